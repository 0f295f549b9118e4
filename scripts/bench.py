"""What security costs, measured side by side in one run on this machine (`make bench`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fabrikam_bench \
        .venv/bin/python scripts/bench.py [--seconds 20] [--rounds 5] [--clients 16]

Prints, each as a ratio of two things measured in the same interleaved rounds (a shared,
noisy machine moves absolute figures; alternating the sides makes drift hit both alike):
1. token validation per request vs a bare RSA signature check (`cryptography`);
2. transfers through gunicorn + PostgreSQL with authentication on (POST /api/transfers:
   bearer token, recent MFA, single use, security event) and off (the same parsing and
   service behind POST /bench/transfers, which only scripts/benchsite mounts): throughput,
   median latency and the server's CPU per transfer, on / off. Tokens are minted before
   each timed round, for both sides, and both sides send them;
3. dashboard page latency, which includes the web app's HTTP call to the API, next to the
   API call alone;
4. transfer throughput with 1 and then 2 gunicorn worker processes;
5. the history read and a whole transfer for a customer with 100k ledger rows vs 1k.
Figures, not a test: nothing is asserted. BENCH_SECONDS (or --seconds) sets the time per
side of section 2; CI's smoke runs it for a few seconds to prove it still runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "scripts.benchsite.settings"

BENCH_SETTINGS = "scripts.benchsite.settings"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000


class PreMinted:
    """Tokens signed before a timed round, handed out per customer during it.

    Signing costs an RSA private-key operation on the machine that also runs the server,
    so it must not happen inside the timed loop (for either side). If a round outruns its
    pool, the token is minted on the spot and counted, so the figure says so.
    """

    def __init__(self, minter) -> None:
        self.minter = minter
        self.pools: dict[str, deque] = {}
        self.minted_in_loop = 0

    def top_up(self, subs: list[str], per_customer: int) -> None:
        for sub in subs:
            pool = self.pools.setdefault(sub, deque())
            while len(pool) < per_customer:
                pool.append(self.minter(sub))

    def __call__(self, sub: str) -> tuple[str, str]:
        try:
            return self.pools[sub].popleft()  # deque.popleft is thread-safe
        except (KeyError, IndexError):
            self.minted_in_loop += 1
            return self.minter(sub)


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and its workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [master_pid]
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        pids += [int(pid) for pid in children]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def transfers_round(load, server, tokens: PreMinted, people, *, seconds: float, auth: bool):
    """One timed round of one side: figures, plus the server's CPU ms per transfer."""
    subs = [sub for sub, _ in people]
    # Enough tokens for this round: three times what the last round of either side needed.
    tokens.top_up(subs, per_customer=max(10, 3 * server.get("last_per_customer", 10)))
    cpu_before = server_cpu_seconds(server["pid"])
    results = load.run_clients(
        server["url"],
        people,
        seconds=seconds,
        minter=tokens,
        path="/api/transfers" if auth else "/bench/transfers",
        retry_share=0,
        replay_share=0,
        hot=False,  # a hot account serialises on its row lock, whatever authentication costs
        bench_sub=not auth,
    )
    cpu = server_cpu_seconds(server["pid"]) - cpu_before
    figures = results.figures(seconds)
    server["last_per_customer"] = max(1, figures["requests"] // len(people) + 1)
    failures = sum(n for status, n in results.statuses.items() if status >= 500)
    failures += len(results.errors)
    successes = results.statuses.get(201, 0)
    return {
        **figures,
        "failures": failures,
        "created": successes,
        "cpu_ms": cpu * 1000 / max(1, figures["requests"]),
    }


def summary(rounds: list[dict], key: str) -> tuple[float, float, float]:
    values = [r[key] for r in rounds]
    return statistics.median(values), min(values), max(values)


def paired(on: list[dict], off: list[dict], key: str) -> tuple[float, float, float]:
    """The on / off ratio of `key`, round by round (neighbouring rounds), as median and range."""
    ratios = [a[key] / b[key] for a, b in zip(on, off, strict=True) if b[key]]
    return statistics.median(ratios), min(ratios), max(ratios)


def signed_in_cookie(minter) -> tuple[str, str, str]:
    """A web session as the OIDC callback leaves it, with a fresh read:accounts token:
    (session key, token, one of the customer's account numbers)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.services import customer_provision
    from oidc_client.session import TOKENS_KEY
    from scripts.load_transfers import ISSUER

    sub = f"bench|{uuid.uuid4().hex[:8]}"
    customer = customer_provision(sub=sub, issuer=ISSUER, name="Bench Customer")
    user = get_user_model().objects.create(username=sub)
    token, _ = minter(sub, scope="openid profile email read:accounts")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    session[TOKENS_KEY] = {
        "access_token": token,
        "expires_at": now + 600,
        "scope": "openid profile email read:accounts",
        "id_token": None,
        "claims": {"sub": sub, "name": "Bench Customer", "iat": now, "exp": now + 600},
        "obtained_at": now,
    }
    session.create()
    # create() has set the key; the provisioned customer has accounts, the first one pays.
    return str(session.session_key), token, customer.accounts.order_by("pk")[0].number


def page_latencies(base_url: str, minter, count: int) -> tuple[list[float], list[float]]:
    """Sequential GET / (dashboard: page + API hop) and GET /api/accounts (the hop alone)."""
    import requests
    from django.conf import settings

    session_key, token, number = signed_in_cookie(minter)
    browser, api = requests.Session(), requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
    dashboard, hop = [], []

    def page() -> requests.Response:
        # No redirects followed: a redirect (to another host or port) is a broken bench.
        response = browser.get(base_url + "/", timeout=10, allow_redirects=False)
        if response.status_code != 200 or number.encode() not in response.content:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
        return response

    for _ in range(max(1, count // 10)):  # warm both paths
        page()
    for _ in range(count):
        began = time.monotonic()
        page()
        dashboard.append(time.monotonic() - began)
        began = time.monotonic()
        api.get(
            base_url + "/api/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).raise_for_status()
        hop.append(time.monotonic() - began)
    return dashboard, hop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS") or 20),
        help="timed seconds per side in section 2, split into --rounds rounds",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (at least 5)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8330)
    parser.add_argument("--pages", type=int, default=int(os.environ.get("BENCH_PAGES") or 200))
    parser.add_argument(
        "--token-calls", type=int, default=int(os.environ.get("BENCH_TOKEN_CALLS") or 2000)
    )
    arguments = parser.parse_args()
    database_url = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fabrikam_bench"
    )
    if not database_url.startswith("postgres"):
        print("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The address the bench's servers are given: the settings name the session cookie after
    # it (one demo's cookies mean nothing to another), and the dashboard step sends one.
    os.environ["SITE_URL"] = f"http://127.0.0.1:{arguments.port}"

    from scripts import load_transfers as load

    load.django_setup(BENCH_SETTINGS)
    load.database_prepare(database_url)
    from scripts import bench_history, bench_token

    rounds = max(5, arguments.rounds)
    seconds, clients, threads = arguments.seconds, arguments.clients, arguments.threads
    round_seconds = seconds / rounds
    print(f"Fabrikam benchmark  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; server, "
        "clients and PostgreSQL share it. Absolute figures move with the load; the ratios,"
    )
    print("each taken between neighbouring rounds of one interleaved run, hold better.")
    print()

    token = bench_token.measure(arguments.token_calls, rounds=max(7, rounds))
    print(
        f"1. Token validation (per request, warm keys; {token['rounds']} interleaved rounds "
        f"x {arguments.token_calls} calls, median)"
    )
    print(f"   api_auth.tokens.access_token_validate   {token['us']:8.1f} µs")
    print(f"   raw RSA-2048 PKCS#1 v1.5 verify          {token['raw_us']:8.1f} µs")
    print(
        f"   ratio validation / raw signature check  {token['ratio']:8.2f}x"
        f"   (rounds {token['low']:.2f}-{token['high']:.2f})"
    )
    print()

    minter = load.Minter()
    tokens = PreMinted(minter)
    sides: dict[str, list[dict]] = {"on": [], "off": [], "one": [], "two": []}

    def serve(workers: int):
        return load.gunicorn(
            arguments.port,
            database_url,
            jwks_url,
            workers=workers,
            threads=threads,
            settings_module=BENCH_SETTINGS,
        )

    # The same customers on both sides (their history grows alike), in the order
    # on, off, off, on, on, off, ...: each side goes first as often as the other.
    people = load.customers_prepare(clients, uuid.uuid4().hex[:8])
    with load.jwks_server(arguments.port + 1, minter.jwks()) as jwks_url:
        with serve(workers=2) as base_url:
            server = {"url": base_url, "pid": load.SERVER_PIDS[base_url]}
            for index in range(rounds):
                order = ("on", "off") if index % 2 == 0 else ("off", "on")
                for side in order:
                    sides[side].append(
                        transfers_round(
                            load, server, tokens, people, seconds=round_seconds, auth=side == "on"
                        )
                    )
            dashboard, hop = page_latencies(base_url, minter, arguments.pages)
        # Worker processes: 1-2-1-2-1, authentication on.
        for index in range(max(3, rounds // 2 * 2 + 1)):
            workers = 1 if index % 2 == 0 else 2
            with serve(workers=workers) as base_url:
                server.update(url=base_url, pid=load.SERVER_PIDS[base_url])
                sides["one" if workers == 1 else "two"].append(
                    transfers_round(load, server, tokens, people, seconds=round_seconds, auth=True)
                )

    on, off = sides["on"], sides["off"]
    print(
        f"2. Transfers through gunicorn (2 workers x {threads} threads) + PostgreSQL, "
        f"{clients} clients, {rounds} interleaved rounds x {round_seconds:.1f} s a side"
    )
    print("   median (lowest-highest round)      req/s            p50 ms         server CPU ms/req")
    for label, measured in (("authentication on ", on), ("authentication off", off)):
        cells = []
        for key, width in (("rps", 6), ("p50_ms", 7), ("cpu_ms", 6)):
            median, low, high = summary(measured, key)
            cells.append(f"{median:{width}.1f} ({low:.1f}-{high:.1f})")
        print(f"   {label}  " + "   ".join(cells))
    for label, key in (
        ("throughput ratio on / off         ", "rps"),
        ("p50 latency ratio on / off        ", "p50_ms"),
        ("server CPU per transfer on / off  ", "cpu_ms"),
    ):
        median, low, high = paired(on, off, key)
        print(f"   {label}{median:6.2f}   (rounds {low:.2f}-{high:.2f})")
    requests_made = sum(r["requests"] for r in on + off)
    failures = sum(r["failures"] for r in on + off)
    print(
        f"   requests {requests_made}, 5xx/errors {failures}, "
        f"tokens minted inside the timed loop: {tokens.minted_in_loop}"
    )
    print()

    d50, d99 = percentiles(dashboard)
    h50, h99 = percentiles(hop)
    print(f"3. Dashboard page, {arguments.pages} sequential requests (one at a time)")
    print(f"   GET /  (page + HTTP call to the API)    p50 {d50:7.1f} ms   p99 {d99:7.1f} ms")
    print(f"   GET /api/accounts  (the API hop alone)  p50 {h50:7.1f} ms   p99 {h99:7.1f} ms")
    print()

    one, two = sides["one"], sides["two"]
    print(
        f"4. Worker processes (authentication on, {threads} threads each, {clients} clients, "
        f"rounds 1-2-1-... of {round_seconds:.1f} s)"
    )
    for label, measured in (("1 worker ", one), ("2 workers", two)):
        rps, p50 = summary(measured, "rps")[0], summary(measured, "p50_ms")[0]
        print(f"   {label}   {rps:8.1f} req/s   p50 {p50:7.1f} ms")
    print(f"   ratio 2 / 1 {summary(two, 'rps')[0] / summary(one, 'rps')[0]:8.2f}")
    print()

    history = bench_history.measure(rounds=rounds)
    small, big = bench_history.SIZES
    print(
        f"5. History: a customer with {big:,} ledger rows vs one with {small:,} "
        f"({rounds} interleaved rounds, median per call)"
    )
    for label, key in (
        ("history query, DB time  ", "database"),  # EXPLAIN ANALYZE's execution time
        ("history read (_history) ", "history"),  # the call: statement and round trip
        ("whole transfer          ", "transfer"),  # transfer_create, in this process
    ):
        figures = history[key]
        print(
            f"   {label}  {figures['small']:7.2f} ms -> {figures['big']:7.2f} ms   "
            f"ratio {big // 1000}k / {small // 1000}k {figures['ratio']:5.2f}x"
            f"   (rounds {figures['low']:.2f}-{figures['high']:.2f})"
        )
    print(f"   EXPLAIN ANALYZE of the history read ({big:,} rows):")
    for line in history["explain"]:
        print(f"     {line}")
    print()

    # 6. DPoP (the fapi2 profile): a token plus its proof through the guard, against two raw
    # signature checks. A process of its own: it needs the guard's settings in fapi2 and an
    # in-memory replay table, not this run's PostgreSQL database.
    print("6. ", end="", flush=True)
    dpop_script = str(Path(__file__).with_name("bench_dpop.py"))
    # Our own script, run with this interpreter: no untrusted input reaches the command.
    subprocess.run([sys.executable, dpop_script, str(arguments.token_calls)], check=True)  # noqa: S603
    print()

    failures += sum(r["failures"] for r in one + two)
    print(f"5xx or transport errors in all runs: {failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
