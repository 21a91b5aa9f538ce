"""/notifications and /notification-preferences: the signed-in user's own, nobody
else's (another user's notification is 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from yunwei.core.api_support import ListParams, get_visible, paginate
from yunwei.notifications import actions, preferences
from yunwei.notifications.models import Notification
from yunwei.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
    ReadAllOut,
)

router = Router(tags=["notifications"])


class NotificationFilters(ListParams):
    unread: bool | None = None


@router.get("/notifications", response=NotificationPage)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    mine = Notification.objects.visible_to(request.user)
    rows = mine.for_list()
    if filters.unread is not None:
        rows = rows.unread() if filters.unread else rows.exclude(read_at=None)
    return {**paginate(rows, filters), "unread": mine.unread().count()}


@router.post("/notifications/read-all", response=ReadAllOut)
def read_all(request: HttpRequest) -> Any:
    return {"updated": actions.mark_all_read(actor=request.user)}


@router.post("/notifications/{int:notification_id}/read", response=NotificationOut)
def read(request: HttpRequest, notification_id: int) -> Any:
    notification = get_visible(Notification.objects, request.user, notification_id)
    return actions.mark_read(notification, actor=request.user)


@router.get("/notification-preferences", response=PreferencesOut)
def get_preferences(request: HttpRequest) -> Any:
    return {"items": preferences.grid(request.user)}


@router.put("/notification-preferences", response=PreferencesOut)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    """Sets the channels given per event; channels left out keep their setting."""
    choices = {
        (row.event, channel): value
        for row in payload.items
        for channel, value in (("email", row.email), ("in_app", row.in_app))
        if value is not None
    }
    actions.set_preferences(request.user, actor=request.user, choices=choices)
    return {"items": preferences.grid(request.user)}
