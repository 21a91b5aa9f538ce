"""Raising a ticket with the service's form: the categories offered (and their custom
fields) are those of the chosen service (`Category.services`; none: every service)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.test_pages import post
from yunwei.catalog import actions as catalog_actions
from yunwei.tickets import actions
from yunwei.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(customer: Any) -> Any:
    return catalog_actions.create_service(
        actor=None, code="mail", name_en="Mail", category="operations", organizations=[customer]
    )


@pytest.fixture
def mailbox(mail: Any) -> Any:
    """An incident category of the mail service only, asking for the mailbox."""
    return actions.create_category(
        actor=None,
        name_en="Mailbox full",
        ticket_types=["incident"],
        services=[mail],
        fields=[{"name": "mailbox", "label_en": "Mailbox", "type": "text", "required": True}],
    )


@pytest.fixture
def other(db: Any) -> Any:
    """A category of every service and type."""
    return actions.create_category(actor=None, name_en="Something else")


def test_each_service_offers_its_own_categories_and_those_of_every_service(
    client_of: Any, requester: Any, service: Any, mail: Any, mailbox: Any, other: Any
) -> None:
    client = client_of(requester)
    desktop = client.get(f"/portal/services/{service.pk}/new/incident/").content.decode()
    assert f'<option value="{other.pk}"' in desktop
    assert f'<option value="{mailbox.pk}"' not in desktop
    by_mail = client.get(f"/portal/services/{mail.pk}/new/incident/").content.decode()
    assert f'<option value="{mailbox.pk}"' in by_mail
    assert f'<option value="{other.pk}"' in by_mail


def test_another_services_category_brings_no_custom_fields(
    client_of: Any, requester: Any, service: Any, mail: Any, mailbox: Any
) -> None:
    client = client_of(requester)
    url = "/portal/services/{}/new/incident/fields/"
    fields = client.get(url.format(mail.pk), {"category": mailbox.pk}).content.decode()
    assert 'name="cf_mailbox"' in fields
    fields = client.get(url.format(service.pk), {"category": mailbox.pk}).content.decode()
    assert 'name="cf_mailbox"' not in fields


def test_raising_with_another_services_category_is_refused_on_the_field(
    client_of: Any, requester: Any, service: Any, mailbox: Any, other: Any
) -> None:
    response = post(
        client_of(requester),
        f"/portal/services/{service.pk}/new/incident/",
        {
            "title": "Inbox full",
            "category": mailbox.pk,
            "cf_mailbox": "sales",
            "impact": "low",
            "urgency": "low",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["category"]
    assert not Ticket.objects.exists()


def test_raising_with_the_services_category_and_its_field(
    client_of: Any, requester: Any, mail: Any, mailbox: Any
) -> None:
    response = post(
        client_of(requester),
        f"/portal/services/{mail.pk}/new/incident/",
        {
            "title": "Inbox full",
            "category": mailbox.pk,
            "cf_mailbox": "sales",
            "impact": "low",
            "urgency": "low",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.service, ticket.category, ticket.custom_fields) == (
        mail,
        mailbox,
        {"mailbox": "sales"},
    )


def test_a_service_without_categories_asks_for_none(
    client_of: Any, requester: Any, service: Any, mailbox: Any
) -> None:
    html = client_of(requester).get(f"/portal/services/{service.pk}/new/incident/").content
    assert b'data-testid="category-select"' not in html
