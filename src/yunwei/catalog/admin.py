from django.contrib import admin

from yunwei.catalog.models import Service
from yunwei.core.admin_site import ReadOnlyAdmin


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "name_en", "category", "status", "owner_team"]
    list_filter = ["category", "status"]
    search_fields = ["code", "name_zh", "name_en"]
