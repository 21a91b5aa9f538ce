"""Assembles every app's router into /api/v1/."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from yunwei.accounts.api import router as accounts_router
from yunwei.catalog.api import router as catalog_router
from yunwei.core.api import health_router
from yunwei.core.api import router as audit_router
from yunwei.core.api_support import AUTH, install_error_handlers
from yunwei.inbound.api import router as inbound_router
from yunwei.notifications.api import router as notifications_router
from yunwei.reports.api import router as reports_router
from yunwei.sla.api import router as sla_router
from yunwei.tickets.api import router as tickets_router
from yunwei.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="Yunwei API",
    version="1",
    description="IT service management: service desk, SLAs, changes, knowledge, assets.",
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("", health_router)
api.add_router("", accounts_router)
api.add_router("", catalog_router)
api.add_router("", sla_router)
api.add_router("", tickets_router)
api.add_router("", reports_router)
api.add_router("", notifications_router)
api.add_router("", webhooks_router)
api.add_router("", inbound_router)
api.add_router("", audit_router)

urlpatterns = [path("api/v1/", api.urls)]
