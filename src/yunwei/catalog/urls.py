from django.urls import path

from yunwei.catalog import views

app_name = "catalog"

urlpatterns = [
    path("services/", views.ServiceList.as_view(), name="service_list"),
    path("services/new/", views.ServiceAdd.as_view(), name="service_add"),
    path("services/<int:pk>/", views.ServiceDetail.as_view(), name="service"),
    path("services/<int:pk>/edit/", views.ServiceEdit.as_view(), name="service_edit"),
]
