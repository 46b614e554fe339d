"""Each person's own account settings, and the tally behind the failed sign-in audit events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The most existing account names one window keeps; a spray of thousands needs no list.
MAX_USERNAMES_PER_WINDOW = 20


class Profile(models.Model):
    """One per user: created with the user, so code can rely on ``user.profile``."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    must_change_password = models.BooleanField(
        _("must choose a new password at next sign-in"), default=False,
        help_text=_("Set when an administrator sets a temporary password; cleared when the user changes it."),
    )
    password_changed_at = models.DateTimeField(_("password last changed by the user"), null=True, blank=True,
                                               editable=False)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("profile")

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:account")


class FailedSignInWindow(models.Model):
    """How many sign-ins failed from one address in one fixed window (as long as the lockout cool-off).

    The audit trail gets one event per address and window, written by the
    window's first failure; every further failure only counts here. A flood of
    wrong passwords therefore cannot grow the undeletable trail faster than one
    row per address per window. Unlike the trail, these rows may be deleted.
    """

    address = models.CharField(_("client address"), max_length=45, blank=True)
    started = models.DateTimeField(_("window start"))
    failures = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    unknown_user_failures = models.PositiveIntegerField(_("of which for no existing account"), default=0)
    usernames = models.JSONField(
        _("existing accounts tried"), default=list, blank=True,
        help_text=_("Only names of existing accounts; a typed name that matches no account is never kept."),
    )

    class Meta:
        ordering = ["-started", "address"]
        verbose_name = _("failed sign-in window")
        constraints = [models.UniqueConstraint(fields=["address", "started"], name="one_failure_window_per_address")]

    def __str__(self) -> str:
        return f"{self.failures} failed sign-ins from {self.address or 'an unknown address'} from {self.started:%Y-%m-%d %H:%M}"
