from django.urls import path

from . import views

urlpatterns = [
    path("new", views.transfer_new, name="transfer-new"),
    path("confirm", views.transfer_confirm, name="transfer-confirm"),
    path("<uuid:transfer_id>", views.transfer_detail, name="transfer-detail"),
]
