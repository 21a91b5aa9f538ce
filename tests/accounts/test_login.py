from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from yunwei.accounts import actions
from yunwei.accounts.models import Role
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Any, email: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def _code_for(key: str) -> str:
    return f"{totp(bytes.fromhex(key), 30, 0, 6):06d}"


def test_a_user_signs_in_with_email_in_any_case(client: Any, agent: Any) -> None:
    response = _login(client, "AGENT@Provider.example", PASSWORD)
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["email"] == agent.email
    assert AuditEntry.objects.filter(action="login", actor=agent).count() == 1


def test_unknown_and_known_accounts_get_the_same_answer(client: Any, agent: Any) -> None:
    wrong_password = _login(client, agent.email, "wrong-password", ip="10.0.0.2")
    unknown = _login(client, "nobody@provider.example", "wrong-password", ip="10.0.0.3")
    assert wrong_password.status_code == unknown.status_code == 200
    message = "That e-mail address and password do not match an active account."
    assert message in wrong_password.content.decode()
    assert message in unknown.content.decode()


def test_an_account_is_locked_after_repeated_failures_from_any_address(
    client: Any, agent: Any
) -> None:
    for i in range(5):
        _login(client, agent.email, "wrong", ip=f"10.1.0.{i}")
    response = _login(client, agent.email, PASSWORD, ip="10.1.0.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_failures_across_accounts(client: Any, agent: Any) -> None:
    for i in range(5):
        _login(client, f"guess{i}@provider.example", "wrong", ip="10.2.0.1")
    assert _login(client, agent.email, PASSWORD, ip="10.2.0.1").status_code == 429
    assert _login(client, agent.email, PASSWORD, ip="10.2.0.2").status_code == 302


def test_password_reset_answers_alike_for_unknown_accounts_and_mails_only_known_ones(
    client: Any, agent: Any
) -> None:
    known = client.post("/accounts/password/reset/", {"email": agent.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@provider.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_a_user_with_an_authenticator_needs_a_code_to_sign_in(client: Any, agent: Any) -> None:
    key = actions.new_totp_key()
    assert actions.enable_totp(agent, key=key, token=_code_for(key))
    device = TOTPDevice.objects.get(user=agent, confirmed=True)
    response = _login(client, agent.email, PASSWORD)
    assert response["Location"].startswith("/accounts/login/verify/")
    assert client.get("/api/v1/me").status_code == 401  # not signed in yet
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    assert client.post("/accounts/login/verify/", {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # a failure delays the next try; the test does not wait it out
    assert client.post("/accounts/login/verify/", {"token": _code(device)}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200


def test_a_role_that_requires_two_factor_sends_its_users_to_enrol(client: Any, admin: Any) -> None:
    actions.update_role(Role.objects.get(code="admin"), actor=None, require_two_factor=True)
    client.force_login(admin)
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/me").status_code == 401
    with pytest.raises(Exception, match="requires two-factor"):
        actions.remove_totp_devices(admin, actor=admin)


def test_confirming_an_authenticator_with_a_wrong_code_fails(agent: Any) -> None:
    key = actions.new_totp_key()
    wrong = "123456" if _code_for(key) != "123456" else "654321"
    assert not actions.enable_totp(agent, key=key, token=wrong)
    assert not actions.enable_totp(agent, key=key, token="not-a-code")
    assert not TOTPDevice.objects.filter(user=agent).exists()


def test_a_user_created_without_a_password_can_set_one_by_reset_link(
    client: Any, customer: Any, settings: Any
) -> None:
    settings.SITE_DOMAIN = "desk.example.com"
    user = actions.create_user(
        actor=None, email="new@acme.example", organization=customer, roles=["requester"]
    )
    client.post("/accounts/password/reset/", {"email": "new@acme.example"})
    (message,) = mail.outbox
    link = next(
        line for line in message.body.splitlines() if "/accounts/password/reset/" in line
    ).strip()
    assert "://desk.example.com/" in link
    path = link.split("desk.example.com", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Fresh-password-77", "new_password2": "Fresh-password-77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Fresh-password-77")
    assert AuditEntry.objects.filter(object_id=str(user.pk), changes__has_key="reset").count() == 1


def test_the_admin_has_no_sign_in_of_its_own(client: Any, provider: Any) -> None:
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_users_of_a_deactivated_organization_are_shut_out(
    client: Any, api_as: Any, requester: Any
) -> None:
    api = api_as(requester)
    client.force_login(requester)
    actions.update_organization(requester.organization, actor=None, is_active=False)
    assert api.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302
    assert (
        _login(client, requester.email, PASSWORD).status_code == 200
    )  # refused with the usual message


def test_enrolling_an_authenticator_writes_nothing_until_confirmed(client: Any, agent: Any) -> None:
    client.force_login(agent)
    assert client.get("/accounts/two-factor/").status_code == 200
    first = client.session["yunwei_totp_key"]
    client.get("/accounts/two-factor/?restart=1")
    assert client.session["yunwei_totp_key"] == first
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert client.post("/accounts/two-factor/", {"action": "restart"}).status_code == 302
    key = client.session["yunwei_totp_key"]
    assert key != first
    response = client.post("/accounts/two-factor/", {"token": _code_for(key)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 1
    assert client.get("/api/v1/me").status_code == 200
