from django.urls import path

from yunwei.tickets import views
from yunwei.tickets.urls_config import urlpatterns as config_urlpatterns

app_name = "tickets"

urlpatterns = [
    path("", views.TicketList.as_view(), name="ticket_list"),
    path("<int:pk>/", views.TicketDetail.as_view(), name="ticket"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    *config_urlpatterns,
]
