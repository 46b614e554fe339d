"""Publishing with a review step (what changed, the test cases, then confirm) and retiring with confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...audit import Actor
from ...models import Assessment, TemplateVersion
from ...services import templates as template_services
from ..diff import diff_documents
from ..forms import PublishForm, RetireForm
from .common import frame, get_version, posted, render_page, template_admin_only


def compared_with(version: TemplateVersion) -> TemplateVersion | None:
    """What a draft is reviewed against: the version it was made from, else the template's newest published one."""
    if version.cloned_from_id:
        return version.cloned_from
    return (TemplateVersion.objects.filter(template=version.template, status=TemplateVersion.Status.PUBLISHED)
            .exclude(pk=version.pk).order_by("-number").first())


@require_http_methods(["GET", "POST"])
@template_admin_only
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if not version.is_draft:
        messages.error(request, _("%(version)s is %(status)s; only a draft can be published.")
                       % {"version": version.label, "status": version.get_status_display().lower()})
        return redirect("evaluation:authoring:workspace", pk=version.pk)
    form = PublishForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            published = template_services.template_publish(version=version, actor=Actor.from_request(request))
        except template_services.PublishError as exc:
            for problem in exc.messages:
                form.add_error(None, _("Not published: %(problem)s") % {"problem": problem})
        else:
            messages.success(request, _("Published %(version)s. New assessments use it from now on; assessments "
                                        "already begun keep their own version.") % {"version": published.label})
            return redirect("evaluation:authoring:index")
    context = frame(version, active="publish")
    base = compared_with(version)
    # Failing cases are listed by title from the case report; the checker's own words name codes.
    problems = [p for p in template_services.template_check(version=version) if not p.startswith("case ")]
    failing = [r for r in context["report"].results if not r.passed]
    superseded = list(TemplateVersion.objects.filter(template=version.template, status=TemplateVersion.Status.PUBLISHED)
                      .exclude(pk=version.pk).select_related("template"))
    context.update({
        "form": form,
        "base": base,
        "diff": diff_documents(base.to_document(), context["document"]) if base else None,
        "problems": problems,
        "failing": failing,
        "superseded": superseded,
        "superseded_labels": ", ".join(old.label for old in superseded),
    })
    return render_page(request, "authoring/publish.html", context, invalid=request.method == "POST")


@require_http_methods(["GET", "POST"])
@template_admin_only
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if version.status != TemplateVersion.Status.PUBLISHED:
        messages.error(request, _("%(version)s is %(status)s; only a published version can be retired.")
                       % {"version": version.label, "status": version.get_status_display().lower()})
        return redirect("evaluation:authoring:index")
    form = RetireForm(posted(request), version=version)
    if request.method == "POST" and form.is_valid():
        replacement = form.cleaned_data["replacement"]
        try:
            retired = template_services.template_retire(version=version, actor=Actor.from_request(request),
                                                        replacement=replacement)
        except template_services.PublishError as exc:
            for problem in exc.messages:
                form.add_error("replacement", problem)
        else:
            done = _("%(version)s is now %(status)s: no new assessment will use it.") % {
                "version": retired.label, "status": retired.get_status_display().lower()}
            instead = _("New assessments use %(version)s.") % {"version": replacement.label} if replacement else ""
            messages.success(request, f"{done} {instead}".strip())
            return redirect("evaluation:authoring:index")
    in_progress = Assessment.objects.filter(version=version).exclude(status=Assessment.Status.FINAL).count()
    context = {"version": version, "form": form, "in_progress": in_progress,
               "others": TemplateVersion.objects.filter(template=version.template,
                                                        status=TemplateVersion.Status.PUBLISHED).exclude(pk=version.pk)}
    return render_page(request, "authoring/retire.html", context, invalid=request.method == "POST")
