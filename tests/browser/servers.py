"""Start the site as real server processes for the browser: `manage.py` steps, gunicorn
with the project's `gunicorn.conf.py`, free loopback ports, and a clean stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
PORTS = range(8200, 8300)  # this suite's loopback ports, clear of the demo's 8000
LOGS = BASE_DIR / "test-artifacts" / "servers"


def free_ports(count: int) -> list[int]:
    ports = []
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    pytest.fail("no free loopback port in 8200-8299")


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"manage.py {args[0]}: {done.stderr[-3000:]}"


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not come up:\n{log.read_text()[-3000:]}")


@contextmanager
def gunicorn(servers: list[tuple[str, dict[str, str], int, str]]) -> Iterator[Path]:
    """Run one gunicorn per (name, env, port, health URL), in order, each up before the
    next starts; stop them all on the way out. Yields the folder of their logs."""
    LOGS.mkdir(parents=True, exist_ok=True)
    processes = []
    try:
        for name, env, port, health in servers:
            log = LOGS / f"{name}.log"
            process = subprocess.Popen(  # noqa: S603
                [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
                cwd=BASE_DIR,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            wait_until_up(health, process, log)
        yield LOGS
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
