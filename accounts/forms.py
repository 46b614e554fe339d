"""Sign-in and password forms: validate and normalise only; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .signin import reauthenticate


class LanguageForm(forms.Form):
    """The language of the user's own pages; each language is named in itself."""

    language = forms.ChoiceField(label=_("Language of my pages"), choices=settings.LANGUAGES)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the username's length enforced.

    Django only copies the model's max_length to the HTML attribute, so a longer
    name reached the authentication backends and the lockout table (255
    characters), which made it a database error. Here it is a form error, and
    nothing is counted or stored for it.
    """

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class OwnPasswordChangeForm(PasswordChangeForm):
    """The signed-in user's new password, given the current one.

    The current password is checked through ``authenticate``, so wrong guesses here
    count towards the same sign-in lockout as wrong guesses at the sign-in page: a
    session left open cannot be used to try passwords without limit.
    """

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any):
        self.request = request
        super().__init__(request.user, *args, **kwargs)
        self.fields["old_password"].label = _("Current password")

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not reauthenticate(self.request, old_password):
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    @sensitive_variables("old_password", "new_password")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        old_password, new_password = cleaned.get("old_password"), cleaned.get("new_password1")
        if old_password and new_password and old_password == new_password:
            self.add_error("new_password1", ValidationError(
                _("Choose a password different from the current one."), code="password_unchanged"))
        return cleaned


class TemporaryPasswordForm(SetPasswordForm):
    """An administrator sets someone's password: by default one they must change at their next sign-in."""

    must_change = forms.BooleanField(
        label=_("Must choose a new password at next sign-in"), required=False, initial=True,
        help_text=_("Leave ticked when you give this password to the person: only they should know their password."),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class TwoFactorCodeForm(forms.Form):
    """A current code from the authenticator app, to confirm its enrolment."""

    code = forms.CharField(label=_("Code from your authenticator app"), max_length=8, min_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class TwoFactorRemoveForm(forms.Form):
    """Removing the second factor asks for the account's password (checked by the view, with signing's limit)."""

    password = forms.CharField(label=_("Your password"), strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
