"""The bell's count, on every page of every layout (queried only when a page shows it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.http import HttpRequest

from yunwei.core.permissions import signed_in
from yunwei.notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    @cache
    def count() -> int:
        user = getattr(request, "user", None)
        if not signed_in(user):
            return 0
        return Notification.objects.visible_to(user).unread().count()

    return {"notifications_unread": count}
