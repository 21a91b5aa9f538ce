from django.urls import path

from yunwei.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("menu/", views.menu, name="menu"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/read/", views.read, name="read"),
    path("preferences/", views.preference_grid, name="preferences"),
    path("outgoing/", views.outbound_list, name="outbound_list"),
    path("outgoing/<int:pk>/resend/", views.resend, name="resend"),
]
