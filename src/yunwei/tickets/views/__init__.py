"""The service desk pages: the queue, a ticket's page with its conversation and history,
and the forms that raise and edit tickets.

Thin: every change is an action (`tickets.actions`), called from a POST. With htmx a
change answers with the parts of the ticket page it touched (swapped out of band by
their ids) and the messages; without JavaScript it redirects back to the page. An
action's ValidationError is shown next to the field it names; PermissionDenied is a 403.
"""

from yunwei.tickets.views.editing import TicketCreate, TicketCustomFields, TicketEdit
from yunwei.tickets.views.queue import SavedViewDelete, SavedViewSave, TicketBulk, TicketList
from yunwei.tickets.views.ticket import (
    TicketAnalysis,
    TicketAttach,
    TicketDetail,
    TicketLinkAdd,
    TicketReply,
    TicketSurvey,
    TicketTransition,
    TicketUnlink,
    attachment,
)

__all__ = [
    "SavedViewDelete",
    "SavedViewSave",
    "TicketAnalysis",
    "TicketAttach",
    "TicketBulk",
    "TicketCreate",
    "TicketCustomFields",
    "TicketDetail",
    "TicketEdit",
    "TicketLinkAdd",
    "TicketList",
    "TicketReply",
    "TicketSurvey",
    "TicketTransition",
    "TicketUnlink",
    "attachment",
]
