"""The bell's dropdown, the notifications page, the preferences grid and the admins'
"Outgoing e-mail" page. Thin: every change is an action called from a POST."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from yunwei.core import outbox
from yunwei.notifications import actions, preferences
from yunwei.notifications.models import (
    PREFERENCE_KEYS,
    Notification,
    NotifyChannel,
    OutboundEmail,
)

PER_PAGE = 25
MENU_SIZE = 8


def _safe(request: HttpRequest, target: str, fallback: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, False):
        return target
    return fallback


def _get(queryset: Any, user: Any, pk: int) -> Any:
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@login_required
@require_GET
def menu(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown (loaded by htmx when opened)."""
    latest = Notification.objects.visible_to(request.user).for_list()[:MENU_SIZE]
    return render(request, "notifications/partials/_bell_menu.html", {"latest": latest})


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.visible_to(request.user).for_list()
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        rows = rows.unread()
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"title": _("Notifications"), "page": page, "unread_only": unread_only},
    )


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks one notification read and follows its link."""
    notification = _get(Notification.objects, request.user, pk)
    actions.mark_read(notification, actor=request.user)
    return HttpResponseRedirect(_safe(request, notification.url, "/notifications/"))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = actions.mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return HttpResponseRedirect(_safe(request, request.POST.get("next", ""), "/notifications/"))


@login_required
def preference_grid(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        choices = {
            (event, channel): f"{event}:{channel}" in request.POST
            for event in preferences.events_for(user)
            for channel in NotifyChannel.values
        }
        try:
            actions.set_preferences(user, actor=user, choices=choices)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    labels = dict(PREFERENCE_KEYS)
    rows = [{**row, "label": labels[row["event"]]} for row in preferences.grid(user)]
    return render(
        request,
        "notifications/preferences.html",
        {"title": _("Notification preferences"), "rows": rows},
    )


def _may_read_outbox(user: Any) -> None:
    if not user.is_provider_staff or not user.has_perm("notifications.view_outboundemail"):
        raise PermissionDenied


@login_required
@require_GET
def outbound_list(request: HttpRequest) -> HttpResponse:
    _may_read_outbox(request.user)
    rows = OutboundEmail.objects.visible_to(request.user).select_related("recipient")
    state = request.GET.get("state", "")
    if state in outbox.OutboxState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/outbound_list.html",
        {
            "title": _("Outgoing e-mail"),
            "page": page,
            "state": state,
            "states": outbox.OutboxState.choices,
            "can_resend": request.user.has_perm("notifications.change_outboundemail"),
        },
    )


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    _may_read_outbox(request.user)
    item = _get(OutboundEmail.objects, request.user, pk)
    try:
        actions.resend_email(item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("notifications:outbound_list")
