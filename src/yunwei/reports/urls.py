from django.urls import path

from yunwei.reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("reports/sla-compliance/", views.SlaComplianceView.as_view(), name="sla_compliance"),
    path(
        "reports/sla-compliance.csv",
        views.SlaComplianceCsv.as_view(),
        name="sla_compliance_csv",
    ),
]
