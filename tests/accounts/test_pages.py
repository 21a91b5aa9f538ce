from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from yunwei.accounts import actions
from yunwei.accounts.models import Role, User
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Any, admin: Any) -> Any:
    client.force_login(admin)
    return client


def test_every_management_page_opens_for_an_admin(
    admin_client: Any, admin: Any, requester: Any, agent: Any
) -> None:
    team = actions.create_team(actor=admin, name="Desk", lead=agent, members=[agent])
    role = Role.objects.get(code="agent")
    pages = [
        "/",
        "/audit/",
        "/accounts/preferences/",
        "/accounts/two-factor/",
        "/accounts/password/",
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{requester.pk}/",
        f"/accounts/users/{requester.pk}/edit/",
        "/accounts/organizations/",
        "/accounts/organizations/new/",
        f"/accounts/organizations/{requester.organization_id}/",
        f"/accounts/organizations/{requester.organization_id}/edit/",
        "/accounts/teams/",
        "/accounts/teams/new/",
        f"/accounts/teams/{team.pk}/",
        f"/accounts/teams/{team.pk}/edit/",
        "/accounts/roles/",
        f"/accounts/roles/{role.pk}/",
        f"/accounts/roles/{role.pk}/edit/",
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_the_menu_shows_administration_only_to_those_allowed(
    client: Any, admin: Any, requester: Any
) -> None:
    client.force_login(admin)
    assert 'href="/accounts/users/"' in client.get("/").content.decode()
    client.force_login(requester)
    assert 'href="/accounts/users/"' not in client.get("/").content.decode()


def test_a_requester_cannot_open_the_user_list_or_another_organization(
    client: Any, requester: Any, other_requester: Any
) -> None:
    client.force_login(requester)
    assert client.get("/accounts/users/").status_code == 403
    assert client.get(f"/accounts/organizations/{requester.organization_id}/").status_code == 200
    assert (
        client.get(f"/accounts/organizations/{other_requester.organization_id}/").status_code == 404
    )


def test_pages_need_a_signed_in_user(client: Any) -> None:
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_admin_creates_a_user_through_the_form(admin_client: Any, customer: Any) -> None:
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "email": "form@acme.example",
            "name": "Form User",
            "organization": customer.pk,
            "language": "zh-hans",
            "timezone": "Asia/Shanghai",
            "is_active": "on",
            "roles": ["requester"],
            "password": "Form-password-2026",
        },
    )
    user = User.objects.get(email="form@acme.example")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    assert user.role_codes == {"requester"}
    assert AuditEntry.objects.for_object(user).get().source == "web"


def test_the_user_form_shows_a_duplicate_email_as_a_field_error(
    admin_client: Any, requester: Any
) -> None:
    before = AuditEntry.objects.count()
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "email": requester.email.upper(),
            "organization": requester.organization_id,
            "language": "en",
            "timezone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 200
    assert "A user with this e-mail address already exists." in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_an_unknown_time_zone_is_refused_by_name(admin_client: Any, requester: Any) -> None:
    response = admin_client.post(
        f"/accounts/users/{requester.pk}/edit/",
        {
            "email": requester.email,
            "organization": requester.organization_id,
            "language": "en",
            "timezone": "Mars/Olympus",
        },
    )
    assert response.status_code == 200
    assert "Unknown time zone" in response.content.decode()


def test_an_object_page_shows_its_history(admin_client: Any, admin: Any, requester: Any) -> None:
    actions.update_user(requester, actor=admin, name="Renamed Person")
    page = admin_client.get(f"/accounts/users/{requester.pk}/").content.decode()
    assert "Renamed Person" in page
    assert admin.email in page


def test_an_htmx_request_gets_only_the_table(admin_client: Any, requester: Any) -> None:
    response = admin_client.get("/accounts/users/?q=req", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert requester.email in body
    assert "<html" not in body


def test_the_user_list_page_runs_a_constant_number_of_queries(
    admin_client: Any, customer: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/accounts/users/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(10):
        UserFactory(organization=customer, roles=["requester", "agent"])
    assert queries() == few


def test_switching_language_is_remembered_on_the_account(client: Any, requester: Any) -> None:
    client.force_login(requester)
    response = client.post("/accounts/language/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    requester.refresh_from_db()
    assert requester.language == "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/", follow=True).content.decode()


def test_a_language_switch_never_redirects_off_site(client: Any) -> None:
    response = client.post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_state_never_changes_on_get(client: Any, requester: Any) -> None:
    client.force_login(requester)
    assert client.get("/accounts/language/?language=zh-hans").status_code == 405
    assert client.get("/accounts/tokens/").status_code == 405


def test_the_django_admin_is_read_only_and_for_superusers_only(
    client: Any, admin: Any, requester: Any
) -> None:
    client.force_login(admin)  # an administrator by role, not a superuser
    assert client.get("/admin/").status_code == 302
    superuser = UserFactory(organization=admin.organization, is_superuser=True, is_staff=True)
    client.force_login(superuser)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(f"/admin/accounts/user/{requester.pk}/change/").status_code == 200
    response = client.post(f"/admin/accounts/user/{requester.pk}/change/", {"name": "Changed"})
    assert response.status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_the_audit_page_lists_changes_compactly_for_an_auditor(
    client: Any, admin: Any, auditor: Any, requester: Any
) -> None:
    actions.update_user(requester, actor=admin, name="Renamed Person")
    client.force_login(auditor)
    page = client.get("/audit/?action=update").content.decode()
    assert f"name: {requester.name} → Renamed Person" in page


def test_a_new_api_token_is_shown_once_and_kept_out_of_cookies(client: Any, agent: Any) -> None:
    client.force_login(agent)
    response = client.post("/accounts/tokens/", {"name": "script"})
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token.startswith("yw_")
    assert token in response.content.decode()
    assert all(token not in morsel.value for morsel in response.cookies.values())
    assert token not in client.get("/accounts/preferences/").content.decode()


def test_a_role_page_lists_a_bounded_number_of_members(admin_client: Any, customer: Any) -> None:
    for _ in range(3):
        UserFactory(organization=customer, roles=["requester"])
    role = Role.objects.get(code="requester")
    response = admin_client.get(f"/accounts/roles/{role.pk}/")
    assert response.context["member_count"] == 3
    assert len(response.context["members"]) == 3


def test_a_team_member_cannot_be_moved_to_a_customer(
    api_as: Any, admin: Any, agent: Any, customer: Any
) -> None:
    actions.create_team(actor=admin, name="Desk", members=[agent])
    response = api_as(admin).patch(f"/api/v1/users/{agent.pk}", {"organization": customer.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "organization"
