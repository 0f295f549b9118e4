"""Money under load: N clients make transfers through the real HTTP API (gunicorn, threads)
on a loopback port for a fixed time, then the ledger is checked.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fabrikam_load \
        .venv/bin/python scripts/load_transfers.py [--clients 32] [--seconds 20] [--port 8310]

Tokens are signed with a key this script registers as the issuer's JWKS (served on the next
port), so the API validates them as it validates any provider's: JWKS over HTTP, kid, every
claim, recent MFA, single use. (Not the embedded IdP's key store: nothing outside devidp
imports it, so the load test runs against a site with the dev IdP deleted too.)
One account is hot: the other clients send half their payments to it while its owner
keeps paying out of it.
Afterwards: the sum of balances is unchanged, no balance is negative, every balance equals
its ledger, every accepted token was spent exactly once, and no request got a 5xx.
The database must be PostgreSQL (real row locks) and is migrated if needed; it keeps the
run's data, so point it at a database of its own.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
AUDIENCE = "https://api.fabrikam.example"
ISSUER = "https://issuer.load.example/"


def django_setup(settings_module: str = "fabrikam.settings.dev") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


# --- the server ------------------------------------------------------------------------------


def server_environment(port: int, database_url: str, jwks_url: str, **extra: str) -> dict[str, str]:
    """The environment of a loopback-only server that trusts the `Minter`'s issuer."""
    return {
        **os.environ,
        # Persistent connections, as a deployment runs: one per server thread, kept a minute.
        "DATABASE_URL": f"{database_url}?conn_max_age=60",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # The site sends other loopback names to SITE_URL (dev default: localhost:8000):
        # name this server, so a page is served here and not redirected to another port.
        "SITE_URL": f"http://127.0.0.1:{port}",
        "OIDC_ISSUER": ISSUER,
        "API_JWKS_URL": jwks_url,
        "API_REQUIRE_AUTH_CONTEXT": "true",
        "API_BASE_URL": f"http://127.0.0.1:{port}/api/",
        "AUTH0_AUDIENCE": AUDIENCE,
        "API_TRANSFER_CLIENTS": "fabrikam-web",  # the client the Minter names
        "LOG_LEVEL": "WARNING",  # one INFO line per request would measure the terminal
        # A load run moves more than a customer's daily limit; limits are not under test.
        "DAILY_TRANSFER_LIMIT": "1000000000.00",
        # Nor are payment approvals (RFC 9396): plain step-up tokens pay anyone.
        "TRANSACTION_APPROVAL_FOR_NEW_PAYEES": "false",
        "TRANSACTION_APPROVAL_THRESHOLD": "1000000000.00",
        **extra,
    }


# The running servers' master process ids by base URL (the benchmark reads their CPU time).
SERVER_PIDS: dict[str, int] = {}


@contextmanager
def gunicorn(
    port: int,
    database_url: str,
    jwks_url: str,
    *,
    workers: int = 2,
    threads: int = 16,
    settings_module: str = "fabrikam.settings.dev",
    pythonpath: str | None = None,
):
    """Serve the site with gunicorn (gthread) on 127.0.0.1:`port`; stop it afterwards."""
    import requests

    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "fabrikam.wsgi:application",
        f"--config={Path(__file__).with_name('gunicorn_loopback.conf.py')}",
        f"--bind=127.0.0.1:{port}",
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        "--timeout=60",
        "--log-level=warning",
    ]
    if pythonpath:
        command.append(f"--pythonpath={pythonpath}")
    environment = server_environment(
        port, database_url, jwks_url, DJANGO_SETTINGS_MODULE=settings_module
    )
    process = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start on port {port}")
            time.sleep(0.2)
        SERVER_PIDS[f"http://127.0.0.1:{port}"] = process.pid
        yield f"http://127.0.0.1:{port}"
    finally:
        SERVER_PIDS.pop(f"http://127.0.0.1:{port}", None)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- tokens --------------------------------------------------------------------------------


class Minter:
    """Access tokens as an IdP issues them after a fresh second factor, signed with a key
    this process registers as the issuer's JWKS (served by `jwks_server`)."""

    def __init__(self, issuer: str = ISSUER, kid: str = "load-test-key"):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.issuer, self.kid = issuer, kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict:
        from jose import jwk

        public = jwk.construct(self.private.public_key(), "RS256").to_dict()
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def __call__(self, sub: str, scope: str = "openid transfer:funds") -> tuple[str, str]:
        """A signed RFC 9068 token and its jti."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        now, jti = int(time.time()), str(uuid.uuid4())
        claims = {
            "iss": self.issuer,
            "sub": sub,
            "aud": AUDIENCE,
            "client_id": "fabrikam-web",
            "iat": now,
            "exp": now + 600,
            "jti": jti,
            "scope": scope,
            "amr": ["pwd", "mfa"],
            "acr": MFA,
            "auth_time": now,
        }
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self.kid}
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        signature = self.private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}", jti


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


@contextmanager
def jwks_server(port: int, jwks: dict):
    """Serve `jwks` at http://127.0.0.1:`port`/jwks.json: the issuer's key set, as the API
    fetches it (API_JWKS_URL)."""
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- the customers and the ledger -------------------------------------------------------------


def customers_prepare(count: int, run: str) -> list[tuple[str, str]]:
    """`count` customers with a funded checking account each: [(sub, account number)].

    Funded by a deposit, not only the welcome money, which may not be paid to others.
    """
    from accounts.models import Account
    from accounts.services import customer_provision, deposit_make

    people = []
    for index in range(count):
        # Known to the servers' issuer, the one the Minter signs for (OIDC Core §5.7: a
        # customer is an issuer's subject).
        customer = customer_provision(
            sub=f"load|{run}|{index}", issuer=ISSUER, name=f"Load Client {index}"
        )
        account = Account.objects.get(customer=customer, kind=Account.Kind.CHECKING)
        deposit_make(account=account, amount=Decimal("1000.00"), memo="Load test funds")
        people.append((customer.sub, account.number))
    return people


def ledger_snapshot(numbers: list[str]) -> Decimal:
    from accounts.models import Account

    return sum(
        Account.objects.filter(number__in=numbers).values_list("balance", flat=True),
        Decimal("0.00"),
    )


def ledger_problems(numbers: list[str], total_before: Decimal) -> list[str]:
    """What is wrong with the ledger after the run, in words; [] when nothing is."""
    from accounts.models import Account, LedgerEntry

    problems = []
    total_after = ledger_snapshot(numbers)
    if total_after != total_before:
        problems.append(f"the clients' money went from {total_before} to {total_after}")
    entries: dict[int, Decimal] = {}
    for account_id, amount in LedgerEntry.objects.values_list("account_id", "amount"):
        entries[account_id] = entries.get(account_id, Decimal("0.00")) + amount
    for pk, number, kind, balance in Account.objects.values_list("pk", "number", "kind", "balance"):
        if balance != entries.get(pk, Decimal("0.00")):
            problems.append(f"account {number}: balance {balance} != ledger {entries.get(pk)}")
        if kind != Account.Kind.CLEARING and balance < 0:
            problems.append(f"account {number} is overdrawn: {balance}")
    all_balances = sum(Account.objects.values_list("balance", flat=True), Decimal("0.00"))
    if all_balances != 0:
        problems.append(f"the bank's books do not balance: {all_balances}")
    return problems


def token_problems(accepted: dict[str, int]) -> list[str]:
    """Every accepted token (201, or 422 for a recorded decline) was spent exactly once."""
    from api_auth.models import SpentToken

    def key(jti: str) -> str:  # api_auth names a token with a jti by issuer + jti
        return "jti:" + hashlib.sha256(f"{ISSUER}\x1f{jti}".encode()).hexdigest()

    spent = Counter(
        SpentToken.objects.filter(key__in=[key(jti) for jti in accepted]).values_list(
            "key", flat=True
        )
    )
    problems = [f"token {key} spent {n} times" for key, n in spent.items() if n != 1]
    missing = len(accepted) - len(spent)
    if missing:
        problems.append(f"{missing} accepted tokens were not recorded as spent")
    return problems


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    accepted: dict[str, int] = field(default_factory=dict)  # jti -> status
    retries: Counter = field(default_factory=Counter)  # "same" / "different"
    replays: Counter = field(default_factory=Counter)  # status of a replayed token
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def figures(self, seconds: float) -> dict[str, float]:
        ordered = sorted(self.latencies) or [0.0]
        return {
            "requests": len(self.latencies),
            "rps": len(self.latencies) / seconds,
            "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        }


def run_clients(
    base_url: str,
    people: list[tuple[str, str]],
    *,
    seconds: float,
    minter: Minter | None,
    path: str = "/api/transfers",
    retry_share: float = 0.05,
    replay_share: float = 0.03,
    hot: bool = True,
    bench_sub: bool = False,
) -> Results:
    """One thread per customer, each posting transfers until `seconds` have passed.

    With `hot`, customer 0 owns a hot account: every other client sends half its payments
    there, while its owner keeps paying out of it; without, payees are random. Some
    requests are retried exactly (same token, key and body: the first answer comes back)
    and some tokens are replayed with a new key (refused).
    `minter(sub)` gives each request its token (the benchmark passes pre-minted ones);
    `bench_sub` also names the customer in `X-Bench-Sub`, for the benchmark's auth-off
    endpoint, which ignores the token (sent anyway, so both sides send the same bytes).
    With `minter=None` the requests carry no token.
    """
    import requests

    results = Results()
    hot_number = people[0][1]
    numbers = [number for _, number in people]
    start = threading.Barrier(len(people))
    deadline: list[float] = []

    def client(index: int) -> None:
        sub, own = people[index]
        rng = random.Random(index)  # noqa: S311 - load shape, not security
        session = requests.Session()
        start.wait()
        if index == 0:
            deadline.append(time.monotonic() + seconds)
        while not deadline:
            time.sleep(0.001)
        while time.monotonic() < deadline[0]:
            if hot and own != hot_number and rng.random() < 0.5:
                destination = hot_number
            else:
                destination = rng.choice([n for n in numbers if n != own])
            body = {
                "source": own,
                "destination": destination,
                "amount": f"{rng.randint(1, 5000) / 100:.2f}",
            }
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            jti = None
            if minter is not None:
                token, jti = minter(sub)
                headers["Authorization"] = f"Bearer {token}"
            if bench_sub or minter is None:
                headers["X-Bench-Sub"] = sub
            began = time.monotonic()
            try:
                response = session.post(base_url + path, json=body, headers=headers, timeout=30)
            except requests.RequestException as exc:
                with results.lock:
                    results.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            elapsed = time.monotonic() - began
            with results.lock:
                results.statuses[response.status_code] += 1
                results.latencies.append(elapsed)
                if jti and (response.status_code == 201 or _is_decline(response)):
                    results.accepted[jti] = response.status_code
            if minter is None or bench_sub or response.status_code >= 500:
                continue
            roll = rng.random()
            if roll < retry_share:  # a client that lost the answer sends it again
                again = session.post(base_url + path, json=body, headers=headers, timeout=30)
                same = again.status_code == response.status_code and again.json().get(
                    "transfer", {}
                ).get("id") == response.json().get("transfer", {}).get("id")
                with results.lock:
                    results.statuses[again.status_code] += 1
                    results.retries["same" if same else "different"] += 1
            elif roll < retry_share + replay_share:  # a stolen token used for another payment
                replay = session.post(
                    base_url + path,
                    json={**body, "amount": "1.00"},
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                    timeout=30,
                )
                with results.lock:
                    results.statuses[replay.status_code] += 1
                    results.replays[replay.status_code] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return results


def _is_decline(response) -> bool:
    return response.status_code == 422 and "transfer" in response.json()


# --- the run -------------------------------------------------------------------------------


def load_run(
    base_url: str, minter: Minter, *, clients: int, seconds: float, run: str | None = None
) -> tuple[Results, list[str]]:
    """Prepare customers, run the clients against `base_url`, check everything: (results,
    problems)."""
    run = run or uuid.uuid4().hex[:8]
    people = customers_prepare(clients, run)
    numbers = [number for _, number in people]
    total_before = ledger_snapshot(numbers)
    results = run_clients(base_url, people, seconds=seconds, minter=minter)
    problems = ledger_problems(numbers, total_before) + token_problems(results.accepted)
    server_errors = sum(n for status, n in results.statuses.items() if status >= 500)
    if server_errors:
        problems.append(f"{server_errors} requests got a 5xx")
    if results.errors:
        problems.append(f"{len(results.errors)} requests failed: {results.errors[:3]}")
    if results.retries["different"]:
        problems.append(f"{results.retries['different']} exact retries got another answer")
    if set(results.replays) - {401}:
        problems.append(f"replayed tokens got {dict(results.replays)}, not only 401")
    return results, problems


def database_prepare(database_url: str) -> None:
    """Create the database if needed and migrate it (the server and this process share it)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    # LOAD_SECONDS: CI's smoke runs `make load` for a few seconds.
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 20)))
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    arguments = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("Set DATABASE_URL=postgres://...: the load test needs PostgreSQL.", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = database_url
    django_setup()
    database_prepare(database_url)
    minter = Minter()
    with (
        jwks_server(arguments.port + 1, minter.jwks()) as jwks_url,
        gunicorn(
            arguments.port,
            database_url,
            jwks_url,
            workers=arguments.workers,
            threads=arguments.threads,
        ) as base_url,
    ):
        results, problems = load_run(
            base_url, minter, clients=arguments.clients, seconds=arguments.seconds
        )
    figures = results.figures(arguments.seconds)
    print(
        f"{arguments.clients} clients, {arguments.seconds:.0f} s, gunicorn "
        f"{arguments.workers}x{arguments.threads} threads, PostgreSQL"
    )
    print(
        f"requests: {figures['requests']}  ({figures['rps']:.1f}/s)  "
        f"p50 {figures['p50_ms']:.1f} ms  p99 {figures['p99_ms']:.1f} ms"
    )
    print(f"statuses: {dict(sorted(results.statuses.items()))}")
    print(f"accepted tokens: {len(results.accepted)}, each spent once")
    print(f"exact retries: {dict(results.retries)}, replays: {dict(results.replays)}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("ledger: OK" if not problems else "ledger: FAILED")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
