"""What security costs, measured side by side in one run on this machine (`make bench`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fabrikam_bench \
        .venv/bin/python scripts/bench.py [--seconds 10] [--clients 16] [--port 8330]

Prints:
1. token validation per request vs a bare RSA signature check (`cryptography`), as a ratio;
2. transfers per second and p50 / p99 through gunicorn + PostgreSQL with authentication on
   (POST /api/transfers: bearer token, recent MFA, single use) and off (the same parsing and
   service behind POST /bench/transfers, which only scripts/benchsite mounts), as a ratio;
3. dashboard page latency, which includes the web app's HTTP call to the API, next to the
   API call alone;
4. transfer throughput with 1 and then 2 gunicorn worker processes.
Figures, not a test: nothing is asserted, and a noisy machine moves them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "scripts.benchsite.settings"

BENCH_SETTINGS = "scripts.benchsite.settings"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def transfers(load, base_url, minter, *, clients: int, seconds: float, auth: bool) -> dict:
    people = load.customers_prepare(clients, uuid.uuid4().hex[:8])
    results = load.run_clients(
        base_url,
        people,
        seconds=seconds,
        minter=minter if auth else None,
        path="/api/transfers" if auth else "/bench/transfers",
        retry_share=0,
        replay_share=0,
        hot=False,  # a hot account serialises on its row lock, whatever authentication costs
    )
    failures = sum(n for status, n in results.statuses.items() if status >= 500)
    failures += len(results.errors)
    return {**results.figures(seconds), "failures": failures, "statuses": dict(results.statuses)}


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

    sub = f"bench|{uuid.uuid4().hex[:8]}"
    customer = customer_provision(sub=sub, name="Bench Customer")
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
    for _ in range(count // 10):  # warm both paths
        browser.get(base_url + "/", timeout=10).raise_for_status()
    for _ in range(count):
        began = time.monotonic()
        response = browser.get(base_url + "/", timeout=10)
        dashboard.append(time.monotonic() - began)
        if response.status_code != 200 or number.encode() not in response.content:
            raise RuntimeError(f"the dashboard answered {response.status_code}")
        began = time.monotonic()
        api.get(
            base_url + "/api/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).raise_for_status()
        hop.append(time.monotonic() - began)
    return dashboard, hop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8330)
    parser.add_argument("--pages", type=int, default=200)
    arguments = parser.parse_args()
    database_url = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fabrikam_bench"
    )
    if not database_url.startswith("postgres"):
        print("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from scripts import load_transfers as load

    load.django_setup(BENCH_SETTINGS)
    load.database_prepare(database_url)
    from scripts import bench_token

    seconds, clients, threads = arguments.seconds, arguments.clients, arguments.threads
    print(f"Fabrikam benchmark  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"machine: {os.cpu_count()} CPUs; server and clients share it; PostgreSQL on loopback")
    print()

    token = bench_token.measure(2000)
    print("1. Token validation (per request, warm keys, best of 5 x 2000)")
    print(f"   api_auth.tokens.access_token_validate   {token['full']:8.1f} µs")
    print(f"   of which python-jose jwt.decode         {token['jose']:8.1f} µs")
    print(f"   raw RSA-2048 PKCS#1 v1.5 verify          {token['raw']:8.1f} µs")
    print(f"   ratio validation / raw signature check  {token['full'] / token['raw']:8.2f}x")
    print()

    minter = load.Minter()
    runs: dict[str, dict] = {}

    def serve(workers: int):
        return load.gunicorn(
            arguments.port,
            database_url,
            jwks_url,
            workers=workers,
            threads=threads,
            settings_module=BENCH_SETTINGS,
        )

    def run(label: str, base_url: str, *, auth: bool = True) -> None:
        runs[label] = transfers(
            load, base_url, minter, clients=clients, seconds=seconds / 2, auth=auth
        )

    # Interleaved, twice each, so drift on a shared machine hits both sides alike.
    with load.jwks_server(arguments.port + 1, minter.jwks()) as jwks_url:
        with serve(workers=2) as base_url:
            for label in ("on", "off", "on2", "off2"):
                run(label, base_url, auth=label.startswith("on"))
            dashboard, hop = page_latencies(base_url, minter, arguments.pages)
        with serve(workers=1) as base_url:
            run("one", base_url)
        with serve(workers=2) as base_url:
            run("two", base_url)
        with serve(workers=1) as base_url:
            run("one2", base_url)

    def merged(*labels: str) -> dict:
        chosen = [runs[label] for label in labels]
        return {
            "rps": statistics.mean(r["rps"] for r in chosen),
            "p50_ms": statistics.mean(r["p50_ms"] for r in chosen),
            "p99_ms": max(r["p99_ms"] for r in chosen),
            "requests": sum(r["requests"] for r in chosen),
            "failures": sum(r["failures"] for r in chosen),
        }

    on, off = merged("on", "on2"), merged("off", "off2")
    print(
        f"2. Transfers through gunicorn (2 workers x {threads} threads) + PostgreSQL, "
        f"{clients} clients, 2 x {seconds / 2:.0f} s each side"
    )
    print("                         req/s     p50 ms    p99 ms   requests  5xx/errors")
    for label, figures in (("authentication on ", on), ("authentication off", off)):
        print(
            f"   {label}  {figures['rps']:8.1f}  {figures['p50_ms']:8.1f}  "
            f"{figures['p99_ms']:8.1f}  {figures['requests']:9d}  {figures['failures']:6d}"
        )
    print(f"   throughput ratio on / off     {on['rps'] / off['rps']:6.2f}")
    print(f"   p50 latency ratio on / off    {on['p50_ms'] / off['p50_ms']:6.2f}")
    print()

    d50, d99 = percentiles(dashboard)
    h50, h99 = percentiles(hop)
    print(f"3. Dashboard page, {arguments.pages} sequential requests (one at a time)")
    print(f"   GET /  (page + HTTP call to the API)    p50 {d50:7.1f} ms   p99 {d99:7.1f} ms")
    print(f"   GET /api/accounts  (the API hop alone)  p50 {h50:7.1f} ms   p99 {h99:7.1f} ms")
    print()

    one, two = merged("one", "one2"), merged("on", "on2", "two")
    print(
        f"4. Worker processes (authentication on, {threads} threads each, {clients} clients, "
        "runs interleaved 1-2-1 after the 2-worker runs above)"
    )
    print(f"   1 worker    {one['rps']:8.1f} req/s   p50 {one['p50_ms']:7.1f} ms")
    print(f"   2 workers   {two['rps']:8.1f} req/s   p50 {two['p50_ms']:7.1f} ms")
    print(f"   ratio 2 / 1 {two['rps'] / one['rps']:8.2f}")
    failures = sum(run["failures"] for run in runs.values())
    print()
    print(f"5xx or transport errors in all runs: {failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
