from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from accounts.views import SignInView

admin.site.site_header = "Checklist administration"
admin.site.site_title = "Checklist administration"
admin.site.index_title = "Templates, users and audit"

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    # The JavaScript strings in the page's language (static/js/*.js call gettext); the sign-in page needs it too.
    path("jsi18n/", login_not_required(cache_page(3600)(JavaScriptCatalog.as_view())), name="javascript-catalog"),
    path("", include("interop.urls")),
    path("", include("evaluation.urls")),
]
