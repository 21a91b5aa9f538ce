from django.contrib import admin
from django.urls import include, path

from yunwei.core import views_pages

# /admin/ is for superusers only.
admin.site.has_permission = lambda request: bool(
    request.user.is_active and request.user.is_superuser
)

urlpatterns = [
    path("", views_pages.home, name="home"),
    path("audit/", views_pages.AuditList.as_view(), name="audit_list"),
    path("accounts/", include("yunwei.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("yunwei.api.urls")),
]
