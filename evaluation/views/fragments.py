"""The parts of every page that are the same for everyone with the same role and language, made once per process.

Rendering the page chrome (head links, the navigation with its ten URLs and translated labels) cost
every page more than the database round trips of a minimal signed-in view (issue 11). What varies
within it per request is only the session's seconds left, the user's name and the CSRF token; the
chrome is therefore rendered once per (language, role flags, script prefix) with markers in those
three places and kept split at the markers, and each request joins the pieces with its own values.
Output is byte for byte what rendering the templates each time gives (``cached=False`` does that;
tests compare the two).

Also here: URLs with one object id, resolved once per URL name (the list pages used to reverse one
per row), and "j M Y" dates formatted without building a DateFormat per value.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.autoreload import file_changed
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language

from ..permissions import is_clinician, is_template_admin

HEAD_TEMPLATE = "evaluation/_page_head.html"
TOP_TEMPLATE = "evaluation/_page_top.html"
# Stand-ins for the per-request values while the fixed parts are rendered; no page text contains them.
SECONDS_LEFT_MARK = "\x00seconds-left\x00"
NAME_MARK = "\x00user-name\x00"
CSRF_MARK = "\x00csrf-input\x00"
MARKS = (SECONDS_LEFT_MARK, NAME_MARK, CSRF_MARK)

# (template, language, script prefix, role flags) -> the rendered pieces between the marks. A few
# entries per process: two languages times the handful of role combinations in use.
_pieces: dict[tuple[Any, ...], tuple[str, ...]] = {}


def role_flags(user: Any) -> tuple[bool, ...]:
    """Everything about the user that the navigation's links depend on (not who they are)."""
    if user is None or not user.is_authenticated:
        return (False,) * 6
    return (True, is_clinician(user), is_template_admin(user), user.has_perm("evaluation.view_auditevent"),
            bool(user.is_superuser), user.has_perm("interop.export_data"))


def _fixed_context(flags: tuple[bool, ...]) -> dict[str, Any]:
    signed_in, clinician, template_admin, audit, superuser, export = flags
    return {
        "CLINIC_NAME": settings.CLINIC_NAME, "signed_in": signed_in, "nav_clinician": clinician,
        "nav_template_admin": template_admin, "nav_audit": audit, "nav_users": superuser, "nav_export": export,
        "seconds_left": mark_safe(SECONDS_LEFT_MARK), "user_name": mark_safe(NAME_MARK),  # noqa: S308 - our own marks
        "csrf_input": mark_safe(CSRF_MARK),  # noqa: S308 - our own mark
    }


def _split_at_marks(html: str) -> tuple[str, ...]:
    """The rendered text cut at each mark, keeping which mark followed each piece: (piece, mark, piece, ...)."""
    parts: list[str] = []
    rest = html
    while True:
        found = [(rest.find(mark), mark) for mark in MARKS if mark in rest]
        if not found:
            parts.append(rest)
            return tuple(parts)
        at, mark = min(found)
        parts.extend((rest[:at], mark))
        rest = rest[at + len(mark):]


def _pieces_of(template: str, flags: tuple[bool, ...]) -> tuple[str, ...]:
    key = (template, get_language(), get_script_prefix(), flags)
    pieces = _pieces.get(key)
    if pieces is None:
        pieces = _pieces[key] = _render_pieces(template, flags)
    return pieces


def _render_pieces(template: str, flags: tuple[bool, ...]) -> tuple[str, ...]:
    # Stripped: base.html puts the fragment where its first and last lines were, with their indentation.
    return _split_at_marks(render_to_string(template, _fixed_context(flags)).strip())


def _request_values(request: HttpRequest) -> dict[str, str]:
    """The three per-request values, escaped as the template would have escaped them; worked out once per
    request (head and top share them: a CSRF token costs 32 random characters each time it is masked)."""
    values = getattr(request, "_fragment_values", None)
    if values is not None:
        return values
    user = request.user
    seconds = getattr(request, "session_seconds_left", None)
    values = {SECONDS_LEFT_MARK: "" if seconds is None else conditional_escape(seconds)}
    if user.is_authenticated:
        values[NAME_MARK] = conditional_escape(user.get_full_name() or user.get_username())
        values[CSRF_MARK] = csrf_input(request)
    request._fragment_values = values
    return values


def masked_csrf_token(request: HttpRequest) -> str:
    """The request's CSRF token as pages write it (``get_token``), masked once per request.

    Masking draws 32 random characters from the system's random source. Django masks afresh for each
    template rendered; a page is one response whichever template writes the token, so the page's own
    forms (the ``csrf_token`` context processor in ``clinic``) and the chrome share one mask. A new
    secret (``rotate_token`` at sign-in) gets a new mask.
    """
    secret = request.META.get("CSRF_COOKIE")
    kept = getattr(request, "_masked_csrf_token", None)
    if kept is not None and secret is not None and kept[0] == secret:
        return kept[1]
    token = get_token(request)
    request._masked_csrf_token = (request.META.get("CSRF_COOKIE"), token)
    return token


def csrf_input(request: HttpRequest) -> SafeString:
    """The hidden CSRF field, as the ``csrf_token`` tag writes it, with the request's one mask."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', masked_csrf_token(request))


def _fill(pieces: tuple[str, ...], values: dict[str, str]) -> SafeString:
    # Marks sit at the odd positions; a mark for a value this request does not have is never rendered
    # (the signed-out chrome has no name, seconds or form).
    return mark_safe("".join(values[piece] if index % 2 else piece for index, piece in enumerate(pieces)))  # noqa: S308


def render_fragment(template: str, request: HttpRequest, *, cached: bool = True) -> SafeString:
    """``template`` (``HEAD_TEMPLATE`` or ``TOP_TEMPLATE``) for this request; ``cached=False`` renders it afresh."""
    flags = getattr(request, "_fragment_flags", None)
    if flags is None:
        flags = request._fragment_flags = role_flags(getattr(request, "user", None))
    if not cached:
        return _fill(_render_pieces(template, flags), _request_values(request))
    return _fill(_pieces_of(template, flags), _request_values(request))


def forget_fragments(**kwargs: Any) -> None:
    """Drop everything rendered here: a setting changed (tests), or a template file did (runserver reloads
    templates without restarting, so the kept markup must go with them)."""
    _pieces.clear()
    _url_patterns.clear()
    _badges.clear()
    _recommendations.clear()
    _summaries.clear()


setting_changed.connect(forget_fragments, dispatch_uid="evaluation.views.fragments")
file_changed.connect(forget_fragments, dispatch_uid="evaluation.views.fragments")


# ---------------------------------------------------------------- URLs and dates for list rows

# An id no record has, reversed once per URL name and replaced by each row's id.
_PLACEHOLDER_ID = uuid.UUID(int=0)
_PLACEHOLDER = str(_PLACEHOLDER_ID)
_url_patterns: dict[tuple[str, str], str] = {}


def _url_pattern(name: str, prefix: str) -> str:
    pattern = _url_patterns.get((name, prefix))
    if pattern is None:
        pattern = _url_patterns[(name, prefix)] = reverse(name, args=[_PLACEHOLDER_ID])
    return pattern


@functools.cache
def _month_abbreviations(language: str) -> tuple[str, ...]:
    # What the "M" format letter writes: the translated three-letter month, title-cased.
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def _day_month_year(day: datetime.date, months: tuple[str, ...]) -> str:
    return f"{day.day} {months[day.month]} {day.year}"


def _day_month_time(local: datetime.datetime, months: tuple[str, ...]) -> str:
    return f"{local.day} {months[local.month]} {local:%H:%M}"


# ---------------------------------------------------------------- status badges

STATUS_TEMPLATE = "evaluation/_status.html"
_badges: dict[tuple[str, str, bool], SafeString] = {}


class _BadgeOf:
    """What ``_status.html`` reads of an assessment: its status and whether it is an amendment."""

    def __init__(self, status: str, amending: bool):
        self.status = status
        self.amendment_reason = amending


def _badge(language: str, status: str, amending: bool) -> SafeString:
    """The status badge of an assessment in ``language``, rendered once per language and kind."""
    key = (language, status, amending)
    badge = _badges.get(key)
    if badge is None:
        badge = _badges[key] = mark_safe(render_to_string(STATUS_TEMPLATE, {"a": _BadgeOf(status, amending)}))  # noqa: S308
    return badge


class RowFormats:
    """Row URLs, dates and status badges for the rows of one page, with the active language, time zone
    and script prefix read once: each is a thread-local look-up, and a page's rows made three or four of
    them per row (issue 11).

    ``url(name, pk)`` is ``reverse(name, args=[pk])`` for a URL whose only argument is a UUID, without
    resolving it each time; the dates are the ``date`` filter's "j M Y", "j M H:i" and the ``time``
    filter's "H:i" in the clinic's time zone; ``badge`` is ``{% include "evaluation/_status.html" %}``,
    rendered once per language and kind."""

    def __init__(self) -> None:
        self.language = get_language()
        self.zone = get_current_timezone()
        self.prefix = get_script_prefix()
        self.months = _month_abbreviations(self.language)

    def url(self, name: str, pk: Any) -> str:
        return _url_pattern(name, self.prefix).replace(_PLACEHOLDER, str(pk))

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        return moment.astimezone(self.zone)  # as localtime() does for an aware value

    def day_month_year(self, day: datetime.date) -> str:
        return _day_month_year(day, self.months)

    def day_month_time(self, moment: datetime.datetime) -> str:
        return _day_month_time(self.local(moment), self.months)

    def hour_minute(self, moment: datetime.datetime) -> str:
        return f"{self.local(moment):%H:%M}"

    def badge(self, assessment: Any) -> SafeString:
        return _badge(self.language, assessment.status, bool(assessment.amendment_reason))


# ---------------------------------------------------------------- suggestions

RECOMMENDATION_TEMPLATE = "evaluation/_recommendation.html"
# Bounded: the texts vary with the answers (reasons), so a busy process could otherwise keep every variant.
RECOMMENDATION_CACHE_SIZE = 4096
_recommendations: dict[tuple[Any, ...], SafeString] = {}


def _recommendation_key(kind: str, rec: dict[str, Any]) -> tuple[Any, ...]:
    """Everything ``_recommendation.html`` reads: the group's kind and the suggestion's title, priority,
    reasons and source passages, with the language they are worded in."""
    source = rec.get("source") or {}
    also = tuple((str(p.get("section")), str(p.get("quote"))) for p in source.get("also") or ())
    return (get_language(), kind, str(rec.get("title")), str(rec.get("priority")),
            tuple(str(reason) for reason in rec.get("reasons") or ()), str(source.get("section")),
            str(source.get("quote")), also)


def recommendation_markup(kind: str, rec: dict[str, Any]) -> SafeString:
    """``{% include "evaluation/_recommendation.html" %}`` for one suggestion of a ``kind`` group, kept per
    wording: the live panel shows the same suggestions again on every answer."""
    key = _recommendation_key(kind, rec)
    markup = _recommendations.get(key)
    if markup is None:
        if len(_recommendations) >= RECOMMENDATION_CACHE_SIZE:
            _recommendations.clear()
        markup = _recommendations[key] = mark_safe(  # noqa: S308 - the template's own escaped output
            render_to_string(RECOMMENDATION_TEMPLATE, {"group": {"kind": kind}, "rec": rec}))
    return markup


def with_recommendation_markup(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``groups`` (``layout.grouped_output``) with each suggestion's markup as ``markup`` (new dicts)."""
    return [{**group, "items": [{**rec, "markup": recommendation_markup(group["kind"], rec)}
                                for rec in group["items"]]} for group in groups]


# ---------------------------------------------------------------- a summary's two columns

SUMMARY_SUGGESTIONS_TEMPLATE = "evaluation/_summary_suggestions.html"
SUMMARY_ANSWERS_TEMPLATE = "evaluation/_summary_answers.html"
# Signed revisions recently shown, per language: a few hundred a clinic day, each a few kilobytes.
SUMMARY_CACHE_SIZE = 512
_summaries: OrderedDict[tuple[Any, ...], tuple[SafeString, SafeString]] = OrderedDict()


def summary_columns(report: Any, *, cached: bool = True) -> tuple[SafeString, SafeString]:
    """The summary page's suggestions column and its history-and-examination column for ``report``.

    A signed revision's columns come from its snapshot alone (answers, output and decisions as signed,
    in a published version), so they are rendered once per revision and language and kept; its content
    hash is in the key, so a different snapshot can never be served the kept text. A draft's are rendered
    each time. ``cached=False`` renders afresh (tests compare the two).
    """
    if report.signature is None or not cached:
        return _render_summary_columns(report)
    columns = kept_summary_columns(report.signature)
    if columns is None:
        columns = _summaries[_summary_key(report.signature)] = _render_summary_columns(report)
        if len(_summaries) > SUMMARY_CACHE_SIZE:
            _summaries.popitem(last=False)
    return columns


def kept_summary_columns(signature: Any) -> tuple[SafeString, SafeString] | None:
    """The columns kept for a signed revision in the active language, if they are kept."""
    key = _summary_key(signature)
    columns = _summaries.get(key)
    if columns is not None:
        _summaries.move_to_end(key)
    return columns


def _summary_key(signature: Any) -> tuple[Any, ...]:
    return (signature.pk, signature.content_hash, get_language())


def _render_summary_columns(report: Any) -> tuple[SafeString, SafeString]:
    context = report.context()
    return (mark_safe(render_to_string(SUMMARY_SUGGESTIONS_TEMPLATE, context)),  # noqa: S308 - rendered templates
            mark_safe(render_to_string(SUMMARY_ANSWERS_TEMPLATE, context)))  # noqa: S308
