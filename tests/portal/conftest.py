"""The portal's cast on top of the service desk: Acme's organization admin, a second
Acme requester, a category of incidents with a custom field, and tickets of each."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.sla.conftest import agreement, office_calendar, service
from tests.tickets.conftest import desk, make_ticket, sla
from yunwei.tickets import actions

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]


@pytest.fixture
def org_admin(customer: Any) -> Any:
    return UserFactory(
        email="boss@acme.example",
        name="Acme Boss",
        organization=customer,
        roles=["requester"],
        is_organization_admin=True,
    )


@pytest.fixture
def colleague(customer: Any) -> Any:
    return UserFactory(email="colleague@acme.example", organization=customer, roles=["requester"])


@pytest.fixture
def hardware(db: Any) -> Any:
    """An incident category asking for the asset tag."""
    return actions.create_category(
        actor=None,
        name_en="Hardware",
        name_zh="硬件",
        ticket_types=["incident"],
        fields=[
            {
                "name": "asset_tag",
                "label_en": "Asset tag",
                "label_zh": "资产编号",
                "type": "text",
                "required": True,
            }
        ],
    )


@pytest.fixture
def client_of() -> Any:
    def make(user: Any) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def ticket(make_ticket: Any, sla: Any, desk: Any) -> Any:
    """The requester's open incident."""
    return make_ticket(title="Printer on floor 3 jams", description="Every **second** page.")
