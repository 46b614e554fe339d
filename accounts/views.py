"""The signed-in person's own account pages: what the account is, and changing its password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LoginView
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evaluation.audit import Actor

from . import services, signing_limit, two_factor
from .forms import LanguageForm, OwnPasswordChangeForm, SignInForm, TwoFactorCodeForm, TwoFactorRemoveForm
from .services import LANGUAGE_SESSION_KEY, MUST_CHANGE_SESSION_KEY


class SignInView(LoginView):
    """Django's sign-in page with the stricter form; a field error (too long, missing) is a 400."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        if any(form.errors.get(name) for name in form.fields):
            response.status_code = 400
        return response


def _account_page(request: HttpRequest, code_form: Form | None = None, remove_form: Form | None = None,
                  status: int = 200) -> HttpResponse:
    profile = services.profile_of(request.user)
    pending = two_factor.pending_device(request.user)
    uri = pending.config_url if pending is not None else ""
    return render(request, "accounts/account.html", {
        "profile": profile,
        "groups": request.user.groups.order_by("name").values_list("name", flat=True),
        "language_form": LanguageForm(initial={"language": profile.language}),
        "two_factor_device": two_factor.confirmed_device(request.user),
        "two_factor_uri": uri, "two_factor_qr": two_factor.qr_svg(uri) if uri else "",
        "code_form": code_form or TwoFactorCodeForm(), "remove_form": remove_form or TwoFactorRemoveForm(),
    }, status=status)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    chosen = form.cleaned_data["language"]
    services.set_language(user=request.user, language=chosen)
    request.session[LANGUAGE_SESSION_KEY] = chosen
    # The message below is already in the new language.
    translation.activate(chosen)
    messages.success(request, _("Your pages are now shown in English.") if chosen == "en"
                     else _("Your pages are now shown in Spanish."))
    return redirect("accounts:account")


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordChangeForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"],
                                 actor=Actor.from_request(request))
        # Stay signed in here; every other session of this user ends with the old password.
        update_session_auth_hash(request, request.user)
        request.session.pop(MUST_CHANGE_SESSION_KEY, None)
        messages.success(request, _("Password changed."))
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {
        "form": form, "required": bool(request.session.get(MUST_CHANGE_SESSION_KEY)),
    }, status=400 if form.is_bound else 200)


@require_POST
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """A new authenticator secret, shown on the account page until a code confirms it.

    Not over a confirmed one: replacing it goes through its removal, which asks for the password,
    so a session left open on a shared computer cannot swap in someone else's authenticator.
    """
    if two_factor.confirmed_device(request.user) is not None:
        messages.error(request, _("You already have an authenticator. To set up another, first remove this one "
                                  "(that asks for your password)."))
        return _account_page(request, status=409)
    two_factor.start_enrolment(request.user)
    messages.info(request, _("Add the account to your authenticator app, then enter the code it shows."))
    return redirect("accounts:account")


@require_POST
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid() and two_factor.confirm_enrolment(request.user, form.cleaned_data["code"],
                                                         actor=Actor.from_request(request)):
        messages.success(request, _("Your authenticator is set up: signing will ask for its code."))
        return redirect("accounts:account")
    if form.is_valid():
        form.add_error("code", _("That code is not correct or has expired. Enter the code your app shows now."))
    return _account_page(request, code_form=form, status=400)


@sensitive_post_parameters()
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator: needs the password, whose wrong guesses count towards signing's limit."""
    form = TwoFactorRemoveForm(request.POST)
    until = signing_limit.paused_until(request.user)
    if until is not None:
        return render(request, "accounts/signing_paused.html", {"until": until}, status=429)
    if not form.is_valid():
        return _account_page(request, remove_form=form, status=400)
    if not signing_limit.password_confirms(request.user, form.cleaned_data["password"]):
        signing_limit.record_failure(request, request.user, "password")
        form.add_error("password", _("The password is not correct."))
        return _account_page(request, remove_form=form, status=400)
    signing_limit.reset(request.user)
    two_factor.remove(request.user, actor=Actor.from_request(request))
    messages.success(request, _("Your authenticator was removed."))
    return redirect("accounts:account")
