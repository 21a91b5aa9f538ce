"""The customer portal's pages. Thin: they read through `visible_to` and the portal's
own narrowing (`querysets.portal_tickets`), and change things only through actions.

The provider's staff have the agent UI: every portal page sends them to its agent
counterpart (a ticket to the ticket's agent page, a service to the catalogue's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yunwei.catalog.models import Service, ServiceStatus
from yunwei.catalog.querysets import display_name_order
from yunwei.core.api_support import get_visible
from yunwei.portal import actions
from yunwei.portal.forms import RaiseForm, RatingForm, ReopenForm, ReplyForm, TicketFilterForm
from yunwei.portal.querysets import MINE, ORGANIZATION, portal_tickets, sees_organization
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets import search, workflow
from yunwei.tickets.api import attachment_response
from yunwei.tickets.forms import add_action_errors, custom_field_label
from yunwei.tickets.models import (
    OPEN_TICKET_STATES,
    Comment,
    FieldType,
    Survey,
    Ticket,
    TicketState,
    TicketType,
)
from yunwei.tickets.tables import CappedPaginator

HOME_TICKETS = 10
RAISABLE_TYPES = (TicketType.INCIDENT, TicketType.REQUEST)
STATE_FILTERS = {
    "open": OPEN_TICKET_STATES,
    "resolved": (TicketState.RESOLVED,),
    "closed": (TicketState.CLOSED,),
}

View = Callable[..., HttpResponse]


def portal_page(staff_url: str = "home") -> Callable[[View], View]:
    """A page for customers' users; the provider's staff go to `staff_url` (given the
    page's `pk` when it takes one) in the agent UI instead."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_provider_staff:
                pk = kwargs.get("pk")
                return redirect(reverse(staff_url, args=[] if pk is None else [pk]))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _services(user: Any) -> QuerySet[Service]:
    """The catalogue of the user's organization: what it subscribes to and can still
    raise tickets for."""
    return (
        Service.objects.visible_to(user)
        .exclude(status=ServiceStatus.RETIRED)
        .order_by(display_name_order(), "code")
    )


def _may_raise(user: Any) -> bool:
    return user.has_perm("tickets.add_ticket")


# --- home and catalogue ------------------------------------------------------------------


@require_GET
@portal_page()
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    tickets = portal_tickets(user).filter(state__in=OPEN_TICKET_STATES)
    return render(
        request,
        "portal/home.html",
        {
            "title": _("Customer portal"),
            "tickets": tickets.select_related("service", "requester")[:HOME_TICKETS],
            "open_count": tickets.count(),
            "organization_wide": sees_organization(user),
            "services": _services(user),
            "may_raise": _may_raise(user),
        },
    )


@require_GET
@portal_page("catalog:service_list")
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/catalogue.html",
        {"title": _("Service catalogue"), "services": _services(request.user)},
    )


@require_GET
@portal_page("catalog:service")
def service(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_visible(_services(request.user), request.user, pk)
    return render(
        request,
        "portal/service.html",
        {"title": found.display_name, "service": found, "may_raise": _may_raise(request.user)},
    )


# --- raising a ticket ----------------------------------------------------------------------


def _raisable(request: HttpRequest, pk: int, ticket_type: str) -> Service:
    if ticket_type not in RAISABLE_TYPES:
        raise Http404
    return get_visible(_services(request.user), request.user, pk)


@portal_page("catalog:service")
def raise_ticket(request: HttpRequest, pk: int, ticket_type: str) -> HttpResponse:
    """Report a problem (an incident) or request something, for one service."""
    found = _raisable(request, pk, ticket_type)
    user = request.user
    if request.method == "POST":
        form = RaiseForm(
            request.POST, request.FILES, actor=user, service=found, ticket_type=ticket_type
        )
        if form.is_valid():
            try:
                ticket = actions.raise_ticket(
                    actor=user, service=found, type=ticket_type, **form.arguments()
                )
            except ValidationError as error:
                add_action_errors(form, error)
            except PermissionDenied as error:
                messages.error(request, str(error) or _("You are not allowed to do this."))
            else:
                messages.success(
                    request,
                    _("%(ref)s raised: the service desk will be in touch.")
                    % {"ref": ticket.reference},
                )
                return redirect("portal:ticket", pk=ticket.pk)
    elif request.method == "GET":
        form = RaiseForm(
            actor=user, service=found, ticket_type=ticket_type, initial=request.GET.dict()
        )
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    title = _("Report a problem") if ticket_type == TicketType.INCIDENT else _("Request something")
    return render(
        request,
        "portal/raise.html",
        {"title": title, "service": found, "ticket_type": ticket_type, "form": form},
    )


@require_GET
@portal_page("catalog:service")
def custom_fields(request: HttpRequest, pk: int, ticket_type: str) -> HttpResponse:
    """The custom fields of the category chosen in the raise form (fetched by htmx)."""
    found = _raisable(request, pk, ticket_type)
    form = RaiseForm(
        actor=request.user, service=found, ticket_type=ticket_type, initial=request.GET.dict()
    )
    return render(request, "tickets/partials/_custom_fields.html", {"form": form})


# --- my tickets ----------------------------------------------------------------------------


@require_GET
@portal_page("tickets:ticket_list")
def ticket_list(request: HttpRequest) -> HttpResponse:
    """My tickets (or my organization's, for its admins): by state, searched, paged."""
    user = request.user
    filters = TicketFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    state = data.get("state") or "open"
    scope = data.get("scope") or MINE
    if scope == ORGANIZATION and not sees_organization(user):
        scope = MINE
    query = (data.get("q") or "").strip()
    tickets = portal_tickets(user, scope)
    if state in STATE_FILTERS:
        tickets = tickets.filter(state__in=STATE_FILTERS[state])
    tickets = tickets.select_related("service", "requester")
    if query:
        tickets = search.search(tickets, query, user=user)  # customers: public text only
    else:
        tickets = tickets.order_by("-created_at", "-pk")
    page = CappedPaginator(
        tickets, settings.PORTAL_PAGE_SIZE, count_limit=tickets.count_limit
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/ticket_list.html",
        {
            "title": _("My tickets"),
            "page": page,
            "filters": filters,
            "state": state,
            "scope": scope,
            "query": query,
            "organization_wide": sees_organization(user),
        },
    )


# --- one ticket ----------------------------------------------------------------------------


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    return get_visible(
        portal_tickets(request.user).select_related("service", "requester", "category"),
        request.user,
        pk,
    )


def _custom_field_rows(ticket: Ticket) -> list[tuple[str, Any]]:
    declarations = ticket.category.fields if ticket.category else []
    values = ticket.custom_fields or {}
    rows = []
    for declaration in declarations:
        value = values.get(declaration["name"])
        if value in (None, ""):
            continue
        if declaration["type"] == FieldType.BOOLEAN:
            value = _("Yes") if value else _("No")
        rows.append((custom_field_label(declaration), value))
    return rows


def _reopen_until(ticket: Ticket) -> dt.datetime | None:
    """Until when the requester may reopen (as `workflow.check` decides), or None."""
    if ticket.state not in (TicketState.RESOLVED, TicketState.CLOSED):
        return None
    resolved = ticket.resolved_at or timezone.now()
    return resolved + dt.timedelta(days=settings.TICKET_REOPEN_DAYS)


def _render_ticket(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    requester = ticket.requester_id == user.pk
    survey = Survey.objects.filter(ticket=ticket).first()
    reopen_until = _reopen_until(ticket)
    closed = ticket.state == TicketState.CLOSED
    can = {
        "reply": not closed and user.has_perm("tickets.add_comment"),
        "confirm": requester and ticket.state == TicketState.RESOLVED,
        "reopen": requester and reopen_until is not None and timezone.now() <= reopen_until,
        "rate": requester
        and survey is not None
        and survey.answered_at is None
        and ticket.state in (TicketState.RESOLVED, TicketState.CLOSED),
    }
    context = {
        "title": f"{ticket.reference} {ticket.title}",
        "ticket": ticket,
        "requester": requester,
        # Comment.visible_to gives a customer's user public comments only, and for_list
        # their public files only: internal notes never reach this page.
        "comments": Comment.objects.visible_to(user).filter(ticket=ticket).for_list(user),
        "files": ticket.attachments.filter(public=True, comment__isnull=True),
        "custom_fields": _custom_field_rows(ticket),
        "survey": survey,
        "can": can,
        "reopen_until": reopen_until,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
    }
    return render(request, "portal/ticket.html", context, status=status)


@require_GET
@portal_page("tickets:ticket")
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_ticket(request, _ticket(request, pk))


def _refused(request: HttpRequest, error: Exception) -> None:
    """An action's refusal as a message on the page."""
    if isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, str(error) or _("You are not allowed to do this."))


def _back(ticket: Ticket, anchor: str = "") -> HttpResponse:
    return redirect(reverse("portal:ticket", args=[ticket.pk]) + anchor)


@require_POST
@portal_page("tickets:ticket")
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.reply_to_ticket(
                ticket,
                actor=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except PermissionDenied as error:
            _refused(request, error)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            was_resolved = ticket.state == TicketState.RESOLVED
            ticket.refresh_from_db(fields=["state"])
            # The requester's reply to a resolved ticket reopens it (tickets.add_comment).
            reopened = was_resolved and ticket.state != TicketState.RESOLVED
            messages.success(
                request,
                _("Reply sent: the ticket is open again.") if reopened else _("Reply sent."),
            )
            return _back(ticket, "#conversation")
    return _render_ticket(request, _ticket(request, pk), reply_form=form)


@require_POST
@portal_page("tickets:ticket")
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester confirms the resolution: the ticket closes."""
    ticket = _ticket(request, pk)
    try:
        ticket_actions.transition_ticket(ticket, actor=request.user, to=workflow.CLOSED)
    except (PermissionDenied, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Thank you: the ticket is closed."))
    return _back(ticket)


@require_POST
@portal_page("tickets:ticket")
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            ticket_actions.transition_ticket(
                ticket, actor=request.user, to=workflow.REOPENED, note=form.cleaned_data["note"]
            )
        except (PermissionDenied, ValidationError) as error:
            _refused(request, error)
        else:
            messages.success(request, _("The ticket is open again."))
    return _back(ticket)


@require_POST
@portal_page("tickets:ticket")
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, rating_form=form)
    try:
        ticket_actions.answer_survey(
            ticket,
            actor=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except (PermissionDenied, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Thank you for your rating."))
    return _back(ticket, "#satisfaction")


@require_GET
@portal_page("tickets:ticket")
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """A public file of a ticket the user follows in the portal."""
    return attachment_response(request.user, _ticket(request, pk), attachment_id)
