"""The fixed cast: a requester, another organization's requester, an agent, a team lead,
an admin and an auditor — and API clients signed in as each."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.factories import OrganizationFactory, UserFactory
from yunwei.accounts import actions
from yunwei.core.models import AuditEntry


@pytest.fixture
def provider(db: Any) -> Any:
    return OrganizationFactory(name="Provider", code="provider", kind="provider")


@pytest.fixture
def customer(db: Any) -> Any:
    return OrganizationFactory(name="Acme", code="acme")


@pytest.fixture
def other_customer(db: Any) -> Any:
    return OrganizationFactory(name="Globex", code="globex")


@pytest.fixture
def requester(customer: Any) -> Any:
    return UserFactory(email="req@acme.example", organization=customer, roles=["requester"])


@pytest.fixture
def other_requester(other_customer: Any) -> Any:
    return UserFactory(email="req@globex.example", organization=other_customer, roles=["requester"])


@pytest.fixture
def agent(provider: Any) -> Any:
    return UserFactory(email="agent@provider.example", organization=provider, roles=["agent"])


@pytest.fixture
def team_lead(provider: Any) -> Any:
    return UserFactory(
        email="lead@provider.example", organization=provider, roles=["team_lead", "agent"]
    )


@pytest.fixture
def admin(provider: Any) -> Any:
    return UserFactory(email="admin@provider.example", organization=provider, roles=["admin"])


@pytest.fixture
def auditor(provider: Any) -> Any:
    return UserFactory(email="auditor@provider.example", organization=provider, roles=["auditor"])


class ApiClient(Client):
    """A test client speaking JSON with a bearer token."""

    def __init__(self, token: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = token

    def _headers(self, extra: dict[str, Any]) -> dict[str, Any]:
        if self.token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return extra

    def get(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().get(path, data, **self._headers(extra))

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        # content_type=None sends a multipart form (file uploads).
        content_type = extra.pop("content_type", "application/json")
        if content_type is None:
            return super().post(path, data, **self._headers(extra))
        return super().post(path, data, content_type=content_type, **self._headers(extra))

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().patch(path, data, content_type="application/json", **self._headers(extra))

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().put(path, data, content_type="application/json", **self._headers(extra))

    def delete(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().delete(path, data, **self._headers(extra))


@pytest.fixture
def api_as() -> Any:
    def make(user: Any) -> ApiClient:
        _token, secret = actions.create_api_token(user, actor=None)
        return ApiClient(secret)

    return make


@contextlib.contextmanager
def audit_triggers_dropped() -> Iterator[None]:
    """Drop the triggers that protect sealed audit entries (what an attacker with database
    rights would do), and put them back afterwards."""
    migration = importlib.import_module("yunwei.core.migrations.0003_protect_sealed_audit_entries")
    migration.protect(connection, on=False)
    try:
        yield
    finally:
        migration.protect(connection, on=True)


@pytest.fixture
def audit_flushable(transactional_db: Any) -> Iterator[None]:
    """Tests on a live server end by flushing the database, which the audit triggers
    rightly refuse on SQLite (PostgreSQL truncates, which row triggers do not see)."""
    yield
    with audit_triggers_dropped():
        AuditEntry.objects.all().delete()
