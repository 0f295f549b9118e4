"""A site for `make bench` only: the real site plus an endpoint with authentication off.

Nothing in a deployment imports this package; its endpoint exists only when a benchmark
server is started with DJANGO_SETTINGS_MODULE=scripts.benchsite.settings.
"""
