"""A draft's rules: the list, each condition in words, and the rule editor with its builder and source picker."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...audit import Actor
from ...models import Rule, TemplateVersion
from .. import services
from ..describe import outline
from ..diff import KIND_NAMES
from ..faults import rule_field
from ..forms import RuleForm
from .common import (
    builder_vocabulary,
    draft_only,
    frame,
    get_version,
    posted,
    readable_field,
    render_page,
    show_faults,
    template_admin_only,
)

PLURAL_NAMES = {"red_flag": gettext_lazy("Red flags"), "test": gettext_lazy("Tests"),
                "referral": gettext_lazy("Referrals"), "pattern": gettext_lazy("Patterns"),
                "advice": gettext_lazy("Advice")}


@require_GET
@template_admin_only
def rule_list(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    context = frame(version, active="rules")
    words = context["words"]
    rules = list(version.rules.order_by("order", "id"))
    groups = []
    for kind, name in PLURAL_NAMES.items():
        rows = [{"rule": rule, "fires_when": outline(rule.condition, words),
                 "urgent_when": outline(rule.urgent_when, words) if rule.urgent_when else None}
                for rule in rules if rule.kind == kind]
        groups.append({"kind": kind, "name": name, "rows": rows})
    context["groups"] = groups
    return render_page(request, "authoring/rules.html", context)


@require_http_methods(["GET", "POST"])
@template_admin_only
@draft_only
def rule_create(request: HttpRequest, version: TemplateVersion) -> HttpResponse:
    kind = request.GET.get("kind")
    return _edit(request, version, Rule(version=version, kind=kind if kind in KIND_NAMES else ""))


@require_http_methods(["GET", "POST"])
@template_admin_only
@draft_only
def rule_edit(request: HttpRequest, version: TemplateVersion, rule_pk: int) -> HttpResponse:
    return _edit(request, version, get_object_or_404(Rule, pk=rule_pk, version=version))


def _edit(request: HttpRequest, version: TemplateVersion, rule: Rule) -> HttpResponse:
    old_key = (rule.kind, rule.code) if rule.pk else None
    form = RuleForm(posted(request), instance=rule, version=version)
    if request.method == "POST" and form.is_valid():
        changed = form.save(commit=False)
        try:
            services.rule_save(version=version, actor=Actor.from_request(request), rule=changed, old_key=old_key)
        except services.DraftEditError as exc:
            show_faults(form, exc, rule_field(changed.code))
        else:
            messages.success(request, _("Saved the rule “%(title)s”.") % {"title": changed.title})
            return redirect("evaluation:authoring:rules", pk=version.pk)
    context = frame(version, active="rules")
    context.update({"rule": rule, "form": form, "vocabulary": builder_vocabulary(context["document"]),
                    "source": form.source, "is_new": old_key is None,
                    "readable": {name: readable_field(form, name, context["document"])
                                 for name in ("condition", "urgent_when")}})
    return render_page(request, "authoring/rule.html", context, invalid=request.method == "POST")


@require_POST
@template_admin_only
@draft_only
def rule_delete(request: HttpRequest, version: TemplateVersion, rule_pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_pk, version=version)
    try:
        services.rule_delete(version=version, actor=Actor.from_request(request), rule=rule)
    except services.DraftEditError as exc:
        messages.error(request, _("“%(title)s” was not deleted, because: %(faults)s.")
                       % {"title": rule.title, "faults": "; ".join(exc.faults)})
        return redirect("evaluation:authoring:rule", pk=version.pk, rule_pk=rule_pk)
    messages.success(request, _("Deleted the rule “%(title)s”; test cases no longer expect it.") % {"title": rule.title})
    return redirect("evaluation:authoring:rules", pk=version.pk)
