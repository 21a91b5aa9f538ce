from django.urls import path

from yunwei.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.WebhookList.as_view(), name="list"),
    path("new/", views.WebhookAdd.as_view(), name="add"),
    path("<int:pk>/", views.WebhookDetail.as_view(), name="detail"),
    path("<int:pk>/edit/", views.WebhookEdit.as_view(), name="edit"),
    path("<int:pk>/test/", views.WebhookTest.as_view(), name="test"),
    path("<int:pk>/rotate-secret/", views.WebhookRotateSecret.as_view(), name="rotate_secret"),
    path("<int:pk>/delete/", views.WebhookDelete.as_view(), name="delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.DeliveryRedeliver.as_view(),
        name="redeliver",
    ),
]
