"""/inbound-messages — the inbound mail log for administrators; thin: scope, call the
action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from yunwei.core.api_support import ListParams, get_visible, order, paginate
from yunwei.core.permissions import require_permission
from yunwei.inbound import actions
from yunwei.inbound.models import InboundMessage
from yunwei.inbound.schemas import InboundMessageDetail, InboundMessagePage, State
from yunwei.inbound.views import read_message

router = Router(tags=["inbound"])


class MessageFilters(ListParams):
    state: State | None = None
    sender: str | None = None


def _require_staff(request: HttpRequest) -> None:
    # Customers' users see nothing here (visible_to is empty for them): the lists are
    # empty and every id is 404, as for any other organization's record.
    if request.user.is_provider_staff:
        require_permission(request.user, "inbound.view_inboundmessage")


@router.get("/inbound-messages", response=InboundMessagePage)
def list_messages(request: HttpRequest, filters: Query[MessageFilters]) -> Any:
    _require_staff(request)
    qs = InboundMessage.objects.visible_to(request.user).for_list()
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.sender:
        qs = qs.filter(sender__iexact=filters.sender)
    if filters.ordering:
        qs = order(qs, filters.ordering, ["received_at", "processed_at", "state"], "-received_at")
    else:
        qs = qs.quarantined_first()
    return paginate(qs, filters)


def _detail(row: InboundMessage) -> dict[str, Any]:
    read = read_message(row)
    return {
        **{field: getattr(row, field) for field in InboundMessageDetail.model_fields
           if hasattr(row, field) and field not in read},
        **read,
        "attachments": [file.name for file in read["attachments"]],
    }  # fmt: skip


@router.get("/inbound-messages/{int:message_id}", response=InboundMessageDetail)
def get_message(request: HttpRequest, message_id: int) -> Any:
    _require_staff(request)
    return _detail(
        get_visible(InboundMessage.objects.select_related("ticket"), request.user, message_id)
    )


@router.post("/inbound-messages/{int:message_id}/reprocess", response=InboundMessageDetail)
def reprocess_message(request: HttpRequest, message_id: int) -> Any:
    row = get_visible(InboundMessage.objects, request.user, message_id)
    row = actions.reprocess_message(row, actor=request.user)
    return _detail(InboundMessage.objects.select_related("ticket").get(pk=row.pk))
