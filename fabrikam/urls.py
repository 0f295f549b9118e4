"""URL roots for every role: the web site, the resource API and (in dev) the identity provider."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts import views as accounts_views

from . import role_errors

lazy_static = lazy(static, str)

# One process serves every role by default; FABRIKAM_ROLES picks a subset (docker-compose and
# the topology test run `web`, `api` and `idp` as separate services from one image).
roles = set(settings.FABRIKAM_ROLES)

web_urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("", include("oidc_client.urls")),  # login, callback, logout
    path("", include("guide.urls")),  # security, how-it-works
    path("accounts/", include("accounts.urls")),
    path("transfers/", include("transfers.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever a page links to (the IdP's pages too).
    # Lazy: with production's hashed static files the name comes from the manifest, which
    # `check` and `migrate` must not need (they run before collectstatic).
    path("favicon.ico", RedirectView.as_view(url=lazy_static("favicon.svg"), permanent=True)),
]
urlpatterns = [*web_urlpatterns] if "web" in roles else []
if "web" not in roles:
    # The site's error pages link to site URLs that this process does not serve.
    handler400 = role_errors.bad_request
    handler403 = role_errors.permission_denied
    handler404 = role_errors.not_found
    handler500 = role_errors.server_error
if "api" in roles:
    urlpatterns.append(path("api/", include("fabrikam.urls_api")))

# The embedded demo identity provider, only when its app is installed: deleting the app and
# pointing the settings at Auth0 leaves every other URL untouched.
if "devidp" in settings.INSTALLED_APPS and "idp" in roles:
    urlpatterns.append(path("idp/", include("devidp.urls")))
