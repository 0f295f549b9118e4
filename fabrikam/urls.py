"""URL roots for every role: the web site, the resource API and (in dev) the identity provider."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login", views.login_view, name="login"),
    path("callback", views.callback, name="callback"),
    path("logout", views.logout_view, name="logout"),
    path("accounts/", include("accounts.urls")),
    path("transfers/", include("transfers.urls")),
    path("api/", include("fabrikam.urls_api")),
    path("admin/", admin.site.urls),
]

# The embedded demo identity provider, only when its app is installed: deleting the app and
# pointing the settings at Auth0 leaves every other URL untouched.
if "devidp" in settings.INSTALLED_APPS:
    urlpatterns.append(path("idp/", include("devidp.urls")))
