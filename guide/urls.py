from django.urls import path

from . import views

urlpatterns = [
    path("security", views.security, name="security"),
    path("how-it-works", views.how_it_works, name="how-it-works"),
]
