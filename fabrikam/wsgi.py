"""WSGI entry point for gunicorn; production deployments set DJANGO_SETTINGS_MODULE."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fabrikam.settings.dev")

application = get_wsgi_application()
