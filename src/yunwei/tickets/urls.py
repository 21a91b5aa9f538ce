from django.urls import path

from yunwei.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.TicketList.as_view(), name="ticket_list"),
    path("<int:pk>/", views.TicketDetail.as_view(), name="ticket"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("satisfaction/", views.Satisfaction.as_view(), name="satisfaction"),
    path("settings/", views.Settings.as_view(), name="settings"),
]
