"""gunicorn for every role (docker-compose, the topology test, `make serve`).

Threads, not just processes: a web page calls the API over HTTP, and with the default
single-process demo the API is this very server. A synchronous worker would wait on
itself forever; a threaded one answers the API call on another thread.
"""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 10
# fabrikam.request logs one line per request without query strings; gunicorn's access log
# would repeat it with them (an authorization code on /callback), so it stays off.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "fabrikam.wsgi:application"
# gunicorn 23+ opens a control socket at one fixed path per user; several roles on one host
# (the topology test) would fight over it, and nothing here uses it.
control_socket_disable = True


# Spent single-use tokens are forgotten once they can no longer be replayed; something
# must run the purge. With PURGE_SPENT_TOKENS_EVERY=<seconds> (`make serve` sets 60) the
# gunicorn master runs `manage.py purge_spent_tokens` that often, in a process of its own,
# for as long as the server runs. Unset (the compose file's roles): its `purge` service
# does it instead, once for all roles.
def when_ready(server) -> None:
    every = float(os.environ.get("PURGE_SPENT_TOKENS_EVERY") or 0)
    if every <= 0:
        return
    import subprocess
    import sys
    import threading
    from pathlib import Path

    manage = str(Path(__file__).resolve().with_name("manage.py"))

    def purge_forever() -> None:
        while True:
            # A failed purge (database briefly away) is retried next time; the table only
            # grows a little meanwhile.
            subprocess.run(  # noqa: S603 - our own interpreter and manage.py, no input
                [sys.executable, manage, "purge_spent_tokens"], check=False
            )
            threading.Event().wait(every)

    threading.Thread(target=purge_forever, name="purge-spent-tokens", daemon=True).start()
    server.log.info("Purging spent tokens every %.0f s", every)
