"""Include at the site root: `path("", include("oidc_client.urls"))`."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("login", views.login_view, name="login"),
    path("callback", views.callback, name="callback"),
    path("logout", views.logout_view, name="logout"),
    path("oidc/jwks.json", views.jwks_view, name="oidc_jwks"),
]
