from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_list, name="account-list"),
    path("<str:number>/", views.account_detail, name="account-detail"),
]
