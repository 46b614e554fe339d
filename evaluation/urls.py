from django.urls import path

from . import views, views_audit, views_reports

app_name = "evaluation"

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<uuid:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:pk>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<uuid:pk>/access/", views.patient_access_log, name="patient_access_log"),
    path("patients/<uuid:pk>/assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<uuid:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<uuid:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<uuid:pk>/suggestions/", views.assessment_suggest, name="assessment_suggest"),
    path("assessments/<uuid:pk>/review/", views.assessment_review, name="assessment_review"),
    path("assessments/<uuid:pk>/amend/", views.assessment_amend, name="assessment_amend"),
    path("assessments/<uuid:pk>/revisions/<int:number>/", views.assessment_revision, name="assessment_revision"),
    path("assessments/<uuid:pk>/summary.pdf", views_reports.assessment_pdf, name="assessment_pdf"),
    path("assessments/<uuid:pk>/handout.pdf", views_reports.assessment_handout, name="assessment_handout"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit.csv", views_audit.audit_csv, name="audit_csv"),
]
