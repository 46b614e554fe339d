from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("language/", views.language, name="language"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/confirm/", views.two_factor_confirm, name="two_factor_confirm"),
    path("two-factor/remove/", views.two_factor_remove, name="two_factor_remove"),
]
