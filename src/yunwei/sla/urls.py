from django.urls import path

from yunwei.sla import views

app_name = "sla"

urlpatterns = [
    path("calendars/", views.CalendarList.as_view(), name="calendar_list"),
    path("calendars/new/", views.CalendarAdd.as_view(), name="calendar_add"),
    path("calendars/<int:pk>/", views.CalendarDetail.as_view(), name="calendar"),
    path("calendars/<int:pk>/edit/", views.CalendarEdit.as_view(), name="calendar_edit"),
    path(
        "calendars/<int:pk>/import-cn/",
        views.CalendarImportChina.as_view(),
        name="calendar_import_cn",
    ),
    path("agreements/", views.AgreementList.as_view(), name="agreement_list"),
    path("agreements/new/", views.AgreementAdd.as_view(), name="agreement_add"),
    path("agreements/<int:pk>/", views.AgreementDetail.as_view(), name="agreement"),
    path("agreements/<int:pk>/edit/", views.AgreementEdit.as_view(), name="agreement_edit"),
    path("outages/", views.OutageList.as_view(), name="outage_list"),
    path("outages/new/", views.OutageAdd.as_view(), name="outage_add"),
    path("outages/<int:pk>/", views.OutageDetail.as_view(), name="outage"),
    path("outages/<int:pk>/edit/", views.OutageEdit.as_view(), name="outage_edit"),
    path("records/<int:pk>/", views.RecordDetail.as_view(), name="record"),
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
]
