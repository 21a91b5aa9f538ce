from django.urls import path

from yunwei.tickets import views_config

urlpatterns = [
    path("satisfaction/", views_config.Satisfaction.as_view(), name="satisfaction"),
    path("settings/", views_config.Settings.as_view(), name="settings"),
]
