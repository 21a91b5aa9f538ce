from django.urls import path

from yunwei.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.catalogue, name="catalogue"),
    path("services/<int:pk>/", views.service, name="service"),
    path("services/<int:pk>/new/<str:ticket_type>/", views.raise_ticket, name="raise"),
    path(
        "services/<int:pk>/new/<str:ticket_type>/fields/",
        views.custom_fields,
        name="custom_fields",
    ),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", views.reply, name="reply"),
    path("tickets/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("tickets/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("tickets/<int:pk>/rate/", views.rate, name="rate"),
    path("tickets/<int:pk>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
