from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_list, name="account-list"),
    path("<str:number>/", views.account_detail, name="account-detail"),
    path("<str:number>/statements", views.account_statement, name="account-statement"),
    path(
        "<str:number>/statements.csv",
        views.account_statement,
        {"as_csv": True},
        name="account-statement-csv",
    ),
]
