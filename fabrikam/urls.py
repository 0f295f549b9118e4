"""URL roots for every role: the web site, the resource API and (in dev) the identity provider."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
