"""A service desk to test against: the desktop service subscribed by Acme, its SLA on
office hours (urgent: respond in 30, resolve in 240 business minutes), and a team."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import TeamFactory
from tests.sla.conftest import agreement, office_calendar, service
from yunwei.sla import actions as sla_actions
from yunwei.tickets import actions

__all__ = ["agreement", "office_calendar", "service"]


@pytest.fixture
def desk(agent: Any, team_lead: Any) -> Any:
    team = TeamFactory(name="Service desk", lead=team_lead)
    team.members.set([agent, team_lead])
    return team


@pytest.fixture
def sla(agreement: Any) -> Any:
    return sla_actions.update_agreement(
        agreement,
        actor=None,
        targets=[
            {"priority": "urgent", "response_minutes": 30, "resolution_minutes": 240},
            {"priority": "important", "response_minutes": 60, "resolution_minutes": 480},
            {"priority": "general", "response_minutes": 120, "resolution_minutes": 960},
            {"priority": "unimportant", "response_minutes": 240, "resolution_minutes": 1920},
        ],
    )


@pytest.fixture
def make_ticket(requester: Any, service: Any) -> Any:
    def make(**kwargs: Any) -> Any:
        fields = {"title": "打印机无法打印", "service": service, "actor": requester}
        fields.update(kwargs)
        return actions.create_ticket(**fields)

    return make
