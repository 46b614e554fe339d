"""Pages: the user's own API tokens, and the research and audit CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from evaluation import audit
from evaluation.audit import Actor
from evaluation.views.access import SEE_PATIENTS

from . import tokens
from .export.rows import ExportSpec, rows, signed_revisions
from .forms import ExportForm, TokenForm
from .roles import DATA_EXPORT, EXPORT_DATA


def _token_page(request: HttpRequest, form: TokenForm, new: tokens.NewToken | None = None,
                status: int = 200) -> HttpResponse:
    now = timezone.now()
    listed = [(token, token.state(now)) for token in tokens.tokens_for_user(request.user)]
    return render(request, "interop/tokens.html", {"form": form, "tokens": listed, "new": new,
                                                   "max_active": tokens.MAX_ACTIVE_TOKENS}, status=status)


@never_cache  # the new token is on the page once: no cache may keep a copy
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """Any signed-in user's own tokens; a token has exactly its user's permissions."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = tokens.token_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _token_page(request, TokenForm(), new, status=201)
    return _token_page(request, form, status=400 if form.is_bound else 200)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.tokens_for_user(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404(_("No such token."))
    tokens.token_revoke(actor=Actor.from_request(request), token=token)
    messages.success(request, _("Token “%(name)s” revoked; anything using it is refused from now on.") % {"name": token.name})
    return redirect("interop:tokens")


class _Echo:
    """csv.writer wants a file; this one hands each line straight back for streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_response(spec: ExportSpec) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    # Streamed, so every signed assessment of a version never has to fit in memory at once.
    lines = (writer.writerow(line) for line in rows(spec, signed_revisions(spec).iterator(chunk_size=500)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    kind = "deidentified" if spec.deidentified else "identified"
    name = f"{spec.version.template.slug}-{spec.version.number}-{kind}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@permission_required(EXPORT_DATA, raise_exception=True)
def export_page(request: HttpRequest) -> HttpResponse:
    """Posted (with the CSRF token), so no other site can start an export in a signed-in browser."""
    form = ExportForm(request.POST or None, may_identify=request.user.has_perm(SEE_PATIENTS))
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        spec = ExportSpec(data["version"], data["deidentified"], data["signed_from"], data["signed_to"])
        audit.record(DATA_EXPORT, actor=Actor.from_request(request), obj=spec.version,
                     detail={"filters": spec.filters()})
        return _csv_response(spec)
    return render(request, "interop/export.html", {"form": form}, status=400 if form.is_bound else 200)
