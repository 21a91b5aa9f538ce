"""Every change to tickets and the service desk's configuration — the only writers,
one module per aggregate."""

from yunwei.tickets.actions.comments import add_attachment, add_comment
from yunwei.tickets.actions.config import (
    create_assignment_rule,
    create_canned_response,
    create_category,
    delete_assignment_rule,
    delete_canned_response,
    delete_category,
    delete_view,
    save_view,
    set_priority_matrix,
    update_assignment_rule,
    update_canned_response,
    update_category,
)
from yunwei.tickets.actions.links import link_tickets, unlink_tickets
from yunwei.tickets.actions.tickets import (
    EDITABLE_FIELDS,
    answer_survey,
    bulk_update,
    close_resolved_tickets,
    create_ticket,
    is_agent,
    transition_ticket,
    update_ticket,
)

__all__ = [
    "EDITABLE_FIELDS",
    "add_attachment",
    "add_comment",
    "answer_survey",
    "bulk_update",
    "close_resolved_tickets",
    "create_assignment_rule",
    "create_canned_response",
    "create_category",
    "create_ticket",
    "delete_assignment_rule",
    "delete_canned_response",
    "delete_category",
    "delete_view",
    "is_agent",
    "link_tickets",
    "save_view",
    "set_priority_matrix",
    "transition_ticket",
    "unlink_tickets",
    "update_assignment_rule",
    "update_canned_response",
    "update_category",
    "update_ticket",
]
