"""Services of the catalogue tests: one the cast's customer subscribes to, one only the
other customer subscribes to, one nobody subscribes to."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import UserFactory
from yunwei.accounts import actions as account_actions
from yunwei.catalog import actions
from yunwei.catalog.models import Service


@pytest.fixture
def desk(agent: Any) -> Any:
    return account_actions.create_team(actor=None, name="Desk", lead=agent, members=[agent])


@pytest.fixture
def ours(customer: Any, desk: Any) -> Service:
    return actions.create_service(
        actor=None,
        code="desktop",
        name_zh="桌面运维",
        name_en="Desktop support",
        category="operations",
        owner_team=desk,
        organizations=[customer],
        description="PCs and printers.",
    )


@pytest.fixture
def theirs(other_customer: Any) -> Service:
    return actions.create_service(
        actor=None,
        code="network",
        name_zh="网络运维",
        name_en="Network operations",
        category="network",
        organizations=[other_customer],
    )


@pytest.fixture
def unsubscribed() -> Service:
    return actions.create_service(
        actor=None, code="cloud", name_en="Cloud operations", category="cloud", status="pipeline"
    )


@pytest.fixture
def quality_manager(provider: Any) -> Any:
    return UserFactory(
        email="quality@provider.example", organization=provider, roles=["quality_manager"]
    )
