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
