"""The organization admin flag on users: set by the provider's admins in the user form
and the users API, audited like the other fields, and only for customers' users."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yunwei.accounts import actions
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_admin_makes_a_requester_organization_admin_through_the_api(
    api_as: Any, admin: Any, requester: Any
) -> None:
    api = api_as(admin)
    assert api.get(f"/api/v1/users/{requester.pk}").json()["is_organization_admin"] is False
    response = api.patch(f"/api/v1/users/{requester.pk}", {"is_organization_admin": True})
    assert response.status_code == 200
    assert response.json()["is_organization_admin"] is True
    requester.refresh_from_db()
    assert requester.is_organization_admin is True
    entry = AuditEntry.objects.for_object(requester).latest("id")
    assert (entry.actor, entry.changes) == (admin, {"is_organization_admin": [False, True]})


def test_a_user_is_created_organization_admin_through_the_api(
    api_as: Any, admin: Any, customer: Any
) -> None:
    response = api_as(admin).post(
        "/api/v1/users",
        {"email": "new@acme.example", "organization": customer.pk, "is_organization_admin": True},
    )
    assert response.status_code == 201
    assert response.json()["is_organization_admin"] is True


def test_a_provider_user_cannot_be_organization_admin(api_as: Any, admin: Any, agent: Any) -> None:
    api = api_as(admin)
    before = AuditEntry.objects.count()
    response = api.patch(f"/api/v1/users/{agent.pk}", {"is_organization_admin": True})
    assert response.status_code == 422
    assert "is_organization_admin" in response.content.decode()
    agent.refresh_from_db()
    assert agent.is_organization_admin is False
    assert AuditEntry.objects.count() == before


def test_a_requester_cannot_make_themselves_organization_admin(api_as: Any, requester: Any) -> None:
    response = api_as(requester).patch(
        f"/api/v1/users/{requester.pk}", {"is_organization_admin": True}
    )
    assert response.status_code in (403, 404)
    requester.refresh_from_db()
    assert requester.is_organization_admin is False


def test_the_user_form_sets_the_flag_and_the_user_page_shows_it(
    client: Client, admin: Any, requester: Any
) -> None:
    client.force_login(admin)
    response = client.post(
        f"/accounts/users/{requester.pk}/edit/",
        {
            "email": requester.email,
            "organization": requester.organization_id,
            "language": "en",
            "timezone": "Asia/Shanghai",
            "is_active": "on",
            "is_organization_admin": "on",
            "roles": ["requester"],
        },
    )
    assert response.status_code == 302
    requester.refresh_from_db()
    assert requester.is_organization_admin is True
    page = client.get(f"/accounts/users/{requester.pk}/").content.decode()
    assert 'data-testid="organization-admin"' in page


def test_the_action_refuses_the_flag_for_the_provider(admin: Any, provider: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        actions.create_user(
            actor=admin, email="x@provider.example", organization=provider,
            is_organization_admin=True,
        )  # fmt: skip
    assert "is_organization_admin" in refused.value.message_dict
