"""The authoring workspace, for template admins: included under ``authoring/`` with namespace ``authoring``."""

from django.urls import path

from .views import cases, items, release, rules, translations, workspace

app_name = "authoring"

V = "versions/<int:pk>/"

urlpatterns = [
    path("", workspace.index, name="index"),
    path(V, workspace.workspace, name="workspace"),
    path(V + "clone/", workspace.clone, name="clone"),
    path(V + "sections/<int:section_pk>/", workspace.section, name="section"),
    path(V + "sections/<int:section_pk>/move/", workspace.section_move, name="section_move"),
    path(V + "sections/<int:section_pk>/delete/", workspace.section_delete, name="section_delete"),
    path(V + "sections/<int:section_pk>/questions/new/", items.item_create, name="item_create"),
    path(V + "questions/<int:item_pk>/", items.item_edit, name="item"),
    path(V + "questions/<int:item_pk>/move/", items.item_move, name="item_move"),
    path(V + "questions/<int:item_pk>/delete/", items.item_delete, name="item_delete"),
    path(V + "rules/", rules.rule_list, name="rules"),
    path(V + "rules/new/", rules.rule_create, name="rule_create"),
    path(V + "rules/<int:rule_pk>/", rules.rule_edit, name="rule"),
    path(V + "rules/<int:rule_pk>/delete/", rules.rule_delete, name="rule_delete"),
    path(V + "cases/", cases.case_list, name="cases"),
    path(V + "cases/<int:case_pk>/", cases.case_edit, name="case"),
    path(V + "cases/<int:case_pk>/delete/", cases.case_delete, name="case_delete"),
    path(V + "preview/", cases.preview, name="preview"),
    path(V + "translations/<slug:language>/", translations.translations, name="translations"),
    path(V + "publish/", release.publish, name="publish"),
    path(V + "retire/", release.retire, name="retire"),
]
