"""Users in the admin: each with their profile, and passwords set by an administrator as temporary ones.

An administrator who creates an account, or sets someone's password, knows that
password; so by default the person must choose their own at their next sign-in
(``PasswordChangeRequiredMiddleware`` enforces it). Both are audited, and so is an
administrator removing someone's authenticator (django-otp's device admin, replaced
here by one that deletes through ``two_factor.remove_devices``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import AdminForm
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluation.audit import Actor

from . import services, two_factor
from .forms import TemporaryPasswordForm
from .models import FailedSignInWindow, Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["language", "must_change_password", "password_changed_at"]
    # Only the password form sets the flag, so that every temporary password is audited.
    readonly_fields = ["must_change_password", "password_changed_at"]


admin.site.unregister(User)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    change_user_password_template = "admin/accounts/temporary_password.html"

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        # A new user's profile is created with the user; an inline on the add page would make a second.
        return [] if obj is None else super().get_inlines(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            services.password_change_required(user=obj, must_change=True, actor=Actor.from_request(request))

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404(_("No such user."))
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = TemporaryPasswordForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.password_set_by_admin(user=user, password=form.cleaned_data["new_password1"],
                                           must_change=form.cleaned_data["must_change"],
                                           actor=Actor.from_request(request))
            if user.pk == request.user.pk:
                update_session_auth_hash(request, user)
            messages.success(request, _set_message(user, form.cleaned_data["must_change"]))
            return redirect("admin:auth_user_change", user.pk)
        return self._password_page(request, user, form, form_url)

    def _password_page(self, request: HttpRequest, user: Any, form: TemporaryPasswordForm,
                       form_url: str) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_user_password_template, {
            **self.admin_site.each_context(request),
            "title": _("Set a temporary password: %(username)s") % {"username": user.get_username()},
            "adminform": AdminForm(form, [(None, {"fields": list(form.base_fields)})], {}),
            "form": form, "form_url": form_url, "opts": self.opts, "original": user,
        }, status=400 if form.is_bound else 200)


def _set_message(user: Any, must_change: bool) -> str:
    if must_change:
        return _("Password set. %(username)s must choose a new one at their next sign-in.") % {
            "username": user.get_username()}
    return _("Password set for %(username)s.") % {"username": user.get_username()}


@admin.register(FailedSignInWindow)
class FailedSignInWindowAdmin(admin.ModelAdmin):
    """Read-only: how many sign-ins failed from each address, per window (the audit trail has one event each)."""

    list_display = ["started", "address", "failures", "unknown_user_failures", "usernames"]
    list_filter = ["started"]
    search_fields = ["address"]
    date_hierarchy = "started"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


# Imported above, django-otp's admin module has registered its own; this one audits removals.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's authenticator admin, whose deletions (one, or "delete selected") are audited."""

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        two_factor.remove_devices(TOTPDevice.objects.filter(pk=obj.pk), actor=Actor.from_request(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        two_factor.remove_devices(queryset, actor=Actor.from_request(request))
