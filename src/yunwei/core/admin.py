from django.contrib import admin

from yunwei.core.admin_site import ReadOnlyAdmin
from yunwei.core.models import AuditEntry, Schedule


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "seq",
        "created_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "source",
    ]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["object_repr", "actor_label", "request_id"]


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ["name", "next_run_at", "last_run_at"]
