from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from .assessments import AssessmentViewSet
from .errors import not_found
from .evaluate import EvaluateView, TemplateVersionViewSet
from .patients import PatientViewSet

app_name = "api"


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, for a token or a signed-in browser."""

    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the vendored sidecar files; its start-up script is served from this URL (no inline
    script, so the CSP holds). A browser page: the sign-in page guards it like every other page."""

    template_name = "interop/swagger_ui.html"
    url_name = "interop:api:schema"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        # DRF exempts its views from LoginRequiredMiddleware; this one is a page, so it signs in like one.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


router = SimpleRouter()
router.register("patients", PatientViewSet, basename="patient")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("templates", TemplateVersionViewSet, basename="template")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("evaluate", EvaluateView.as_view(), name="evaluate"),
    *router.urls,
    re_path(r"^[\s\S]*$", not_found),  # not ".": an address with a newline in it is still caught
]
