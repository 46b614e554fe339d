from django.urls import include, path

from . import views

app_name = "interop"

urlpatterns = [
    path("accounts/api-tokens/", views.token_list, name="tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("export/", views.export_page, name="export"),
    path("api/v1/", include("interop.api.urls")),
    path("fhir/", include("interop.fhir.urls")),
    path("", include("interop.cds.urls")),
]
