from django.urls import path, re_path

from ..api.errors import not_found
from .views import DiscoveryView, FeedbackView, ServiceView

app_name = "cds"

# Full routes here (included at the root): the discovery URL has no trailing slash, as CDS Hooks names it.
urlpatterns = [
    path("cds-services", DiscoveryView.as_view(), name="discovery"),
    path("cds-services/<slug:service_id>", ServiceView.as_view(), name="service"),
    path("cds-services/<slug:service_id>/feedback", FeedbackView.as_view(), name="feedback"),
    re_path(r"^cds-services/[\s\S]*$", not_found),
]
