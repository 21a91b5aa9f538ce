from django.urls import path

from yunwei.inbound import views

app_name = "inbound"
urlpatterns = [
    path("", views.MessageList.as_view(), name="message_list"),
    path("<int:pk>/", views.MessageDetail.as_view(), name="message"),
    path("<int:pk>/raw/", views.MessageRaw.as_view(), name="message_raw"),
    path("<int:pk>/reprocess/", views.MessageReprocess.as_view(), name="message_reprocess"),
    path("sender-domains/", views.SenderDomainList.as_view(), name="sender_domain_list"),
    path("sender-domains/new/", views.SenderDomainAdd.as_view(), name="sender_domain_add"),
    path(
        "sender-domains/<int:pk>/edit/",
        views.SenderDomainEdit.as_view(),
        name="sender_domain_edit",
    ),
    path(
        "sender-domains/<int:pk>/delete/",
        views.SenderDomainDelete.as_view(),
        name="sender_domain_delete",
    ),
]
