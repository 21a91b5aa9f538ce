from django.contrib import admin
from django.urls import include, path

from yunwei.core import views_pages
from yunwei.core.admin_site import login_through_product, superusers_only
from yunwei.tickets import autocomplete

# /admin/ is a read-only window for superusers (see core/admin_site.py).
admin.site.has_permission = superusers_only  # type: ignore[method-assign]
admin.site.login = login_through_product  # type: ignore[method-assign]

urlpatterns = [
    path("", views_pages.home, name="home"),
    path("audit/", views_pages.AuditList.as_view(), name="audit_list"),
    path("accounts/", include("yunwei.accounts.urls")),
    path("catalog/", include("yunwei.catalog.urls")),
    path("sla/", include("yunwei.sla.urls")),
    path("tickets/", include("yunwei.tickets.urls")),
    path("autocomplete/<slug:source>/", autocomplete.options, name="autocomplete"),
    path("portal/", include("yunwei.portal.urls")),
    path("", include("yunwei.reports.urls")),
    path("notifications/", include("yunwei.notifications.urls")),
    path("webhooks/", include("yunwei.webhooks.urls")),
    path("inbound/", include("yunwei.inbound.urls")),
    path("admin/", admin.site.urls),
    path("", include("yunwei.api.urls")),
]
