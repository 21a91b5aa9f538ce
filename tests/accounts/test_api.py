from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.conftest import ApiClient
from tests.factories import UserFactory
from yunwei.accounts import actions
from yunwei.accounts.models import ApiToken, Organization, User
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db


# --- authentication --------------------------------------------------------------------


def test_the_api_refuses_requests_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer yw_not-a-real-token", "Bearer ", "Basic abc"])
def test_the_api_refuses_bad_tokens(client: Any, requester: Any, header: str) -> None:
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=header).status_code == 401


def test_expired_and_revoked_tokens_are_refused(requester: Any) -> None:
    token, secret = actions.create_api_token(requester, actor=None, days=1)
    api = ApiClient(secret)
    assert api.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.get("/api/v1/me").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    actions.revoke_api_token(token, actor=requester)
    assert api.get("/api/v1/me").status_code == 401


def test_tokens_are_stored_only_as_a_digest_and_record_their_last_use(requester: Any) -> None:
    token, secret = actions.create_api_token(requester, actor=None)
    assert secret not in {token.key_hash, token.prefix}
    assert token.last_used_at is None
    ApiClient(secret).get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_tokens_of_deactivated_users_stop_working(api_as: Any, requester: Any) -> None:
    api = api_as(requester)
    actions.update_user(requester, actor=None, is_active=False)
    assert api.get("/api/v1/me").status_code == 401


def test_me_describes_the_signed_in_user(api_as: Any, requester: Any) -> None:
    body = api_as(requester).get("/api/v1/me").json()
    assert body["email"] == "req@acme.example"
    assert body["organization"] == {"id": requester.organization_id, "name": "Acme"}
    assert body["roles"] == ["requester"]
    assert body["is_provider_staff"] is False


def test_the_web_session_works_for_the_api(client: Any, requester: Any) -> None:
    client.force_login(requester)
    assert client.get("/api/v1/me").json()["email"] == requester.email


def test_health_needs_no_authentication(client: Any) -> None:
    response = client.get("/api/v1/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


def test_the_openapi_document_lists_the_core_resources(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/audit",
    ]:
        assert path in paths


# --- scoping ---------------------------------------------------------------------------


def test_a_requester_lists_only_their_own_organization_and_its_users(
    api_as: Any, requester: Any, other_requester: Any
) -> None:
    api = api_as(requester)
    orgs = api.get("/api/v1/organizations").json()
    assert [o["name"] for o in orgs["items"]] == ["Acme"]
    users = api.get("/api/v1/users").json()
    assert [u["email"] for u in users["items"]] == ["req@acme.example"]


def test_another_organizations_user_and_organization_are_404_for_a_requester(
    api_as: Any, requester: Any, other_requester: Any
) -> None:
    api = api_as(requester)
    assert api.get(f"/api/v1/users/{other_requester.pk}").status_code == 404
    assert api.get(f"/api/v1/organizations/{other_requester.organization_id}").status_code == 404
    assert api.get("/api/v1/users/999999").status_code == 404


def test_another_organizations_audit_entries_are_404_for_a_requester(
    api_as: Any, requester: Any, other_requester: Any, admin: Any
) -> None:
    actions.update_user(other_requester, actor=admin, name="Changed")
    actions.update_user(requester, actor=admin, name="Mine")
    theirs = AuditEntry.objects.for_object(other_requester).get()
    mine = AuditEntry.objects.for_object(requester).filter(action="update").get()
    api = api_as(requester)
    assert api.get(f"/api/v1/audit/{theirs.pk}").status_code == 404
    assert api.get(f"/api/v1/audit/{mine.pk}").status_code == 200
    listed = {e["id"] for e in api.get("/api/v1/audit?limit=500").json()["items"]}
    assert mine.pk in listed
    assert theirs.pk not in listed


def test_a_requester_cannot_change_another_organizations_user(
    api_as: Any, requester: Any, other_requester: Any
) -> None:
    response = api_as(requester).patch(f"/api/v1/users/{other_requester.pk}", {"name": "Hacked"})
    assert response.status_code == 404
    other_requester.refresh_from_db()
    assert other_requester.name != "Hacked"


def test_a_requester_cannot_create_users_even_in_their_own_organization(
    api_as: Any, requester: Any
) -> None:
    response = api_as(requester).post(
        "/api/v1/users", {"email": "new@acme.example", "organization": requester.organization_id}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="new@acme.example").exists()


def test_teams_are_invisible_to_customers(
    api_as: Any, requester: Any, admin: Any, agent: Any
) -> None:
    team = actions.create_team(actor=admin, name="Desk", members=[agent])
    api = api_as(requester)
    assert api.get("/api/v1/teams").json() == {"count": 0, "items": []}
    assert api.get(f"/api/v1/teams/{team.pk}").status_code == 404


def test_an_agent_reads_users_but_may_not_change_them(
    api_as: Any, agent: Any, requester: Any
) -> None:
    api = api_as(agent)
    assert api.get(f"/api/v1/users/{requester.pk}").status_code == 200
    assert api.patch(f"/api/v1/users/{requester.pk}", {"name": "X"}).status_code == 403


def test_agents_may_not_read_the_audit_trail_but_auditors_may(
    api_as: Any, agent: Any, auditor: Any
) -> None:
    assert api_as(agent).get("/api/v1/audit").status_code == 403
    assert api_as(auditor).get("/api/v1/audit").status_code == 200


# --- writes ----------------------------------------------------------------------------


def test_an_admin_creates_a_user_with_roles(api_as: Any, admin: Any, customer: Any) -> None:
    response = api_as(admin).post(
        "/api/v1/users",
        {
            "email": "New.Person@Acme.example",
            "name": "New",
            "organization": customer.pk,
            "roles": ["requester"],
            "password": "A-good-long-pass-1",
            "language": "en",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["roles"], body["organization"]["id"]) == (
        "new.person@acme.example",
        ["requester"],
        customer.pk,
    )
    user = User.objects.get(pk=body["id"])
    assert user.check_password("A-good-long-pass-1")
    assert AuditEntry.objects.for_object(user).get().action == "create"


def test_a_duplicate_email_is_a_422_naming_the_field_and_writes_nothing(
    api_as: Any, admin: Any, requester: Any
) -> None:
    api = api_as(admin)
    before = (User.objects.count(), AuditEntry.objects.count())
    response = api.post(
        "/api/v1/users", {"email": "REQ@acme.example", "organization": requester.organization_id}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "A user with this e-mail address already exists."}
    ]
    assert (User.objects.count(), AuditEntry.objects.count()) == before


def test_unknown_fields_are_422_naming_them(api_as: Any, admin: Any) -> None:
    response = api_as(admin).post(
        "/api/v1/organizations", {"name": "X", "code": "x", "colour": "red"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["colour"]
    assert not Organization.objects.filter(code="x").exists()


def test_wrong_types_are_422_naming_the_field(api_as: Any, admin: Any) -> None:
    response = api_as(admin).post("/api/v1/users", {"email": "a@b.example", "organization": "acme"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["organization"]


def test_an_unknown_role_is_422_naming_roles(api_as: Any, admin: Any, customer: Any) -> None:
    response = api_as(admin).post(
        "/api/v1/users", {"email": "a@b.example", "organization": customer.pk, "roles": ["wizard"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "roles.0"


def test_a_weak_password_is_422_naming_password(api_as: Any, admin: Any, customer: Any) -> None:
    response = api_as(admin).post(
        "/api/v1/users", {"email": "a@b.example", "organization": customer.pk, "password": "123"}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"password"}
    assert not User.objects.filter(email="a@b.example").exists()


def test_malformed_json_is_a_400(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    response = api.generic(
        "POST",
        "/api/v1/organizations",
        b'{"name": ',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_an_oversized_body_is_a_413(api_as: Any, admin: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(admin).post("/api/v1/organizations", {"name": "x" * 2000, "code": "big"})
    assert response.status_code == 413
    assert not Organization.objects.filter(code="big").exists()


def test_an_admin_updates_and_deletes_an_organization(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    created = api.post("/api/v1/organizations", {"name": "Initech", "code": "initech"}).json()
    assert (
        api.patch(
            f"/api/v1/organizations/{created['id']}", {"kind": "customer", "name": "Initrode"}
        ).json()["name"]
        == "Initrode"
    )
    assert api.delete(f"/api/v1/organizations/{created['id']}").status_code == 204
    actions_seen = list(
        AuditEntry.objects.filter(object_type="accounts.organization", object_id=str(created["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions_seen == ["create", "update", "delete"]


def test_an_organization_with_users_cannot_be_deleted(
    api_as: Any, admin: Any, requester: Any
) -> None:
    response = api_as(admin).delete(f"/api/v1/organizations/{requester.organization_id}")
    assert response.status_code == 422
    assert Organization.objects.filter(pk=requester.organization_id).exists()


def test_teams_take_provider_staff_only(
    api_as: Any, admin: Any, agent: Any, requester: Any
) -> None:
    api = api_as(admin)
    response = api.post(
        "/api/v1/teams", {"name": "Desk", "lead": agent.pk, "members": [agent.pk, requester.pk]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "members"
    response = api.post("/api/v1/teams", {"name": "Desk", "lead": agent.pk, "members": [agent.pk]})
    assert response.status_code == 201
    assert response.json()["members"] == [
        {"id": agent.pk, "name": agent.name, "email": agent.email}
    ]


def test_a_team_lead_changes_only_the_teams_they_lead(
    api_as: Any, admin: Any, team_lead: Any, agent: Any
) -> None:
    mine = actions.create_team(actor=admin, name="Mine", lead=team_lead)
    theirs = actions.create_team(actor=admin, name="Theirs", lead=agent)
    api = api_as(team_lead)
    assert api.patch(f"/api/v1/teams/{mine.pk}", {"members": [agent.pk]}).status_code == 200
    assert api.patch(f"/api/v1/teams/{theirs.pk}", {"members": [team_lead.pk]}).status_code == 403
    theirs.refresh_from_db()
    assert list(theirs.members.all()) == []


# --- lists -----------------------------------------------------------------------------


def test_lists_paginate_filter_and_order(api_as: Any, admin: Any, customer: Any) -> None:
    for i in range(5):
        UserFactory(
            email=f"p{i}@acme.example", name=f"P{i}", organization=customer, roles=["requester"]
        )
    api = api_as(admin)
    page = api.get(
        f"/api/v1/users?organization={customer.pk}&ordering=-email&limit=2&offset=1"
    ).json()
    assert page["count"] == 5
    assert [u["email"] for u in page["items"]] == ["p3@acme.example", "p2@acme.example"]
    assert api.get("/api/v1/users?q=p4@").json()["count"] == 1
    assert api.get("/api/v1/users?role=admin").json()["count"] == 1


def test_bad_list_parameters_are_422_naming_them(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    assert api.get("/api/v1/users?ordering=password").json()["errors"][0]["field"] == "ordering"
    assert api.get("/api/v1/users?limit=0").json()["errors"][0]["field"] == "limit"
    assert api.get("/api/v1/users?limit=abc").json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize(
    "path", ["/api/v1/users", "/api/v1/organizations", "/api/v1/teams", "/api/v1/audit"]
)
def test_list_endpoints_run_a_constant_number_of_queries(
    path: str,
    api_as: Any,
    admin: Any,
    customer: Any,
    agent: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_as(admin)
    actions.create_team(actor=admin, name="T0", lead=agent, members=[agent])

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{path}?limit=100").status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # the first use of a token notes it, once a minute
    few = count_queries()
    for i in range(8):
        UserFactory(organization=customer, roles=["requester", "agent"])
        actions.create_organization(actor=admin, name=f"Org {i}", code=f"org-{i}")
        actions.create_team(actor=admin, name=f"T{i + 1}", lead=agent, members=[agent])
    assert count_queries() == few


def test_a_team_lead_cannot_take_over_another_team_through_the_form(
    client: Any, admin: Any, team_lead: Any, agent: Any
) -> None:
    theirs = actions.create_team(actor=admin, name="Theirs", lead=agent)
    client.force_login(team_lead)
    response = client.post(
        f"/accounts/teams/{theirs.pk}/edit/",
        {"name": "Pwned", "lead": team_lead.pk, "members": [team_lead.pk]},
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.name, theirs.lead_id) == ("Theirs", agent.pk)


def test_only_a_superuser_may_change_a_superusers_account(
    api_as: Any, admin: Any, provider: Any
) -> None:
    root = UserFactory(
        email="root@provider.example", organization=provider, is_superuser=True, is_staff=True
    )
    api = api_as(admin)
    for body in [
        {"password": "Another-horse-99"},
        {"email": "evil@x.example"},
        {"is_active": False},
    ]:
        assert api.patch(f"/api/v1/users/{root.pk}", body).status_code == 403
    root.refresh_from_db()
    assert (root.email, root.is_active) == ("root@provider.example", True)
    with pytest.raises(PermissionDenied):
        actions.create_api_token(root, actor=admin)


def test_provider_roles_cannot_be_given_to_a_customers_user(
    api_as: Any, admin: Any, requester: Any
) -> None:
    api = api_as(admin)
    response = api.patch(f"/api/v1/users/{requester.pk}", {"roles": ["admin"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "roles"
    assert requester.role_codes == {"requester"}
    created = api.post(
        "/api/v1/users",
        {"email": "x@acme.example", "organization": requester.organization_id, "roles": ["agent"]},
    )
    assert created.status_code == 422


def test_only_a_superuser_may_create_or_convert_provider_organizations(
    api_as: Any, admin: Any, customer: Any
) -> None:
    api = api_as(admin)
    assert (
        api.post(
            "/api/v1/organizations", {"name": "P2", "code": "p2", "kind": "provider"}
        ).status_code
        == 403
    )
    assert (
        api.patch(f"/api/v1/organizations/{customer.pk}", {"kind": "provider"}).status_code == 403
    )
    customer.refresh_from_db()
    assert customer.kind == "customer"
