"""What the service desk's autocomplete widgets (core.widgets.Autocomplete) search: each
source is the rows a user may choose from, the columns searched and how a row reads.
One view answers them all with an HTML fragment of at most `LIMIT` matches."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yunwei.accounts.models import Organization, User
from yunwei.core.widgets import is_key
from yunwei.tickets.forms import person_label, staff_users

LIMIT = 20
MAX_TERM = 100


@dataclass(frozen=True)
class Source:
    rows: Callable[[Any, QueryDict], QuerySet]  # (user, GET) → what the user may choose
    search: tuple[str, ...]
    label: Callable[[Any], str]
    staff_only: bool = False


def _organization_param(params: QueryDict) -> int | None:
    raw = params.get("organization", "")
    if raw == "":
        return None
    if not is_key(raw):
        raise ValueError("organization")
    return int(raw)


def _organizations(user: Any, params: QueryDict) -> QuerySet:
    return Organization.objects.visible_to(user).order_by("name")


def _people(user: Any, params: QueryDict) -> QuerySet:
    """Active people the user may see; `?organization=` narrows to one organization's,
    `&staff=1` adds the provider's (a ticket's watchers)."""
    people = User.objects.visible_to(user).filter(is_active=True)
    organization = _organization_param(params)
    if organization is not None:
        scope = Q(organization_id=organization)
        if params.get("staff"):
            scope |= Q(organization__kind="provider")
        people = people.filter(scope)
    return people.select_related("organization").order_by("name", "email")


def _agents(user: Any, params: QueryDict) -> QuerySet:
    return staff_users()


SOURCES = {
    "organizations": Source(_organizations, ("name", "code"), str),
    "people": Source(
        _people, ("name", "email"), lambda u: f"{person_label(u)} · {u.organization.name}"
    ),
    "agents": Source(_agents, ("name", "email"), person_label, staff_only=True),
}


@login_required
@require_GET
def options(request: HttpRequest, source: str) -> HttpResponse:
    """GET ?q=: the matches of `source` whose searched columns contain q (case-insensitive),
    by name, at most LIMIT; an empty q lists the first ones."""
    found = SOURCES.get(source)
    if found is None:
        raise Http404
    user = request.user
    if found.staff_only and not user.is_provider_staff:
        raise PermissionDenied
    try:
        rows = found.rows(user, request.GET)
    except ValueError as error:
        return HttpResponseBadRequest(_("%(field)s: give a number.") % {"field": error})
    term = request.GET.get("q", "").strip()[:MAX_TERM]
    if term:
        rows = rows.filter(
            reduce(operator.or_, (Q(**{f"{name}__icontains": term}) for name in found.search))
        )
    matches = list(rows[: LIMIT + 1])
    context = {
        "options": [(row.pk, found.label(row)) for row in matches[:LIMIT]],
        "more": len(matches) > LIMIT,
    }
    return render(request, "core/widgets/_autocomplete_options.html", context)
