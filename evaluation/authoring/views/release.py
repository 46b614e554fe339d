"""Publishing with a review step (what changed, the test cases, then confirm) and retiring with confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
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
        messages.error(request, f"{version.label} is {version.get_status_display().lower()}; only a draft can be "
                                "published.")
        return redirect("evaluation:authoring:workspace", pk=version.pk)
    form = PublishForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            published = template_services.template_publish(version=version, actor=Actor.from_request(request))
        except template_services.PublishError as exc:
            for problem in exc.messages:
                form.add_error(None, f"Not published: {problem}")
        else:
            messages.success(request, f"Published {published.label}. New assessments use it from now on; "
                                      "assessments already begun keep their own version.")
            return redirect("evaluation:authoring:index")
    context = frame(version, active="publish")
    base = compared_with(version)
    # Failing cases are listed by title from the case report; the checker's own words name codes.
    problems = [p for p in template_services.template_check(version=version) if not p.startswith("case ")]
    failing = [r for r in context["report"].results if not r.passed]
    context.update({
        "form": form,
        "base": base,
        "diff": diff_documents(base.to_document(), context["document"]) if base else None,
        "problems": problems,
        "failing": failing,
        "superseded": TemplateVersion.objects.filter(template=version.template,
                                                     status=TemplateVersion.Status.PUBLISHED).exclude(pk=version.pk),
    })
    return render_page(request, "authoring/publish.html", context, invalid=request.method == "POST")


@require_http_methods(["GET", "POST"])
@template_admin_only
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version(pk)
    if version.status != TemplateVersion.Status.PUBLISHED:
        messages.error(request, f"{version.label} is {version.get_status_display().lower()}; only a published "
                                "version can be retired.")
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
            instead = f" New assessments use {replacement.label}." if replacement else ""
            messages.success(request, f"{retired.label} is now {retired.get_status_display().lower()}: no new "
                                      f"assessment will use it.{instead}")
            return redirect("evaluation:authoring:index")
    in_progress = Assessment.objects.filter(version=version).exclude(status=Assessment.Status.FINAL).count()
    context = {"version": version, "form": form, "in_progress": in_progress,
               "others": TemplateVersion.objects.filter(template=version.template,
                                                        status=TemplateVersion.Status.PUBLISHED).exclude(pk=version.pk)}
    return render_page(request, "authoring/retire.html", context, invalid=request.method == "POST")
