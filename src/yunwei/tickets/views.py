"""The service desk pages (being written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.generic import View

from yunwei.core.api_support import get_visible
from yunwei.tickets.api import attachment_response
from yunwei.tickets.models import Ticket


class TicketList(View):
    pass


class TicketDetail(View):
    pass


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    ticket = get_visible(Ticket.objects, request.user, pk)
    return attachment_response(request.user, ticket, attachment_id)
