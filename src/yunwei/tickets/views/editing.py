"""Raising and editing tickets, with the custom fields of the chosen category."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View
from django_htmx.http import HttpResponseClientRedirect

from yunwei.core.views import PermissionMixin
from yunwei.tickets import actions
from yunwei.tickets.forms import TicketForm, add_action_errors
from yunwei.tickets.models import Ticket
from yunwei.tickets.views.ticket import load_ticket


class TicketFormView(PermissionMixin, View):
    template_name = "tickets/ticket_form.html"

    def get_ticket(self, pk: int | None) -> Ticket | None:
        return load_ticket(self.request, pk) if pk is not None else None

    def render_form(self, form: TicketForm, ticket: Ticket | None) -> HttpResponse:
        title = _("Edit %(ticket)s") % {"ticket": ticket.reference} if ticket else _("New ticket")
        context = {"form": form, "ticket": ticket, "title": title}
        if self.request.htmx and not self.request.htmx.boosted:
            return render(self.request, "tickets/partials/_ticket_form.html", context)
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        ticket = self.get_ticket(pk)
        initial = {}
        if ticket is None:
            initial = {k: v for k, v in request.GET.items() if k in ("type", "service", "category")}
        return self.render_form(
            TicketForm(actor=request.user, instance=ticket, initial=initial), ticket
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        ticket = self.get_ticket(pk)
        form = TicketForm(request.POST, actor=request.user, instance=ticket)
        if form.is_valid():
            try:
                if ticket is None:
                    saved = actions.create_ticket(actor=request.user, **form.create_arguments())
                    message = _("%(ref)s raised.") % {"ref": saved.reference}
                else:
                    changes = form.update_arguments()
                    saved = actions.update_ticket(ticket, actor=request.user, **changes)
                    message = _("%(ref)s saved.") % {"ref": saved.reference}
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, message)
                if request.htmx:
                    return HttpResponseClientRedirect(saved.get_absolute_url())
                return redirect(saved.get_absolute_url())
        return self.render_form(form, ticket)


class TicketCreate(TicketFormView):
    """Raise a ticket: customers' users for themselves, the service desk for anyone."""

    permission = "tickets.add_ticket"
    customers_allowed = True


class TicketEdit(TicketFormView):
    permission = "tickets.change_ticket"

    def get_ticket(self, pk: int | None) -> Ticket | None:
        if not actions.is_agent(self.request.user):
            raise PermissionDenied
        return super().get_ticket(pk)


class TicketCustomFields(PermissionMixin, View):
    """GET: the custom fields of the category chosen in the ticket form (htmx)."""

    customers_allowed = True

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TicketForm(actor=request.user, initial=request.GET.dict())
        return render(request, "tickets/partials/_custom_fields.html", {"form": form})
