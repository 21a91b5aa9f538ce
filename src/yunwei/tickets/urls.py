from django.urls import path

from yunwei.tickets import views
from yunwei.tickets.urls_config import urlpatterns as config_urlpatterns

app_name = "tickets"

urlpatterns = [
    path("", views.TicketList.as_view(), name="ticket_list"),
    path("new/", views.TicketCreate.as_view(), name="ticket_add"),
    path("custom-fields/", views.TicketCustomFields.as_view(), name="custom_fields"),
    path("bulk/", views.TicketBulk.as_view(), name="bulk"),
    path("views/", views.SavedViewSave.as_view(), name="view_save"),
    path("views/<int:pk>/delete/", views.SavedViewDelete.as_view(), name="view_delete"),
    path("<int:pk>/", views.TicketDetail.as_view(), name="ticket"),
    path("<int:pk>/edit/", views.TicketEdit.as_view(), name="ticket_edit"),
    path("<int:pk>/reply/", views.TicketReply.as_view(), name="reply"),
    path("<int:pk>/transition/", views.TicketTransition.as_view(), name="transition"),
    path("<int:pk>/analysis/", views.TicketAnalysis.as_view(), name="analysis"),
    path("<int:pk>/links/", views.TicketLinkAdd.as_view(), name="link"),
    path("<int:pk>/links/remove/", views.TicketUnlink.as_view(), name="unlink"),
    path("<int:pk>/attachments/", views.TicketAttach.as_view(), name="attach"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/survey/", views.TicketSurvey.as_view(), name="survey"),
    *config_urlpatterns,
]
