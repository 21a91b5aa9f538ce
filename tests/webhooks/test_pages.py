"""The webhook pages: administrators list, create, edit and test webhooks and read their
delivery log; nobody else gets in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yunwei.webhooks import actions
from yunwei.webhooks.models import WebhookDelivery, WebhookSubscription


@pytest.fixture
def admin_client(client: Client, admin: Any) -> Client:
    client.force_login(admin)
    return client


@pytest.fixture
def webhook(admin: Any) -> WebhookSubscription:
    return actions.create_subscription(
        actor=admin, name="Ops", url="https://hooks.example.com/in", events=["ticket.created"]
    )


def test_the_admin_menu_leads_to_the_webhooks(admin_client: Client, webhook: Any) -> None:
    home = admin_client.get("/")
    assert 'href="/webhooks/"' in home.content.decode()
    page = admin_client.get("/webhooks/")
    assert page.status_code == 200
    assert "Ops" in page.content.decode()
    assert "https://hooks.example.com/in" in page.content.decode()


def test_an_admin_creates_a_webhook_with_the_form(admin_client: Client) -> None:
    form = admin_client.get("/webhooks/new/")
    assert form.status_code == 200
    assert 'data-testid="event-group"' in form.content.decode()
    response = admin_client.post(
        "/webhooks/new/",
        {
            "name": "钉钉值班群",
            "format": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "events": ["ticket.sla_warning", "ticket.sla_breached"],
            "secret": "SEC123",
            "language": "zh-hans",
            "is_active": "on",
        },
    )
    webhook = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/webhooks/{webhook.pk}/"
    assert webhook.events == ["ticket.sla_warning", "ticket.sla_breached"]
    assert (webhook.format, webhook.secret, webhook.is_active) == ("dingtalk", "SEC123", True)


def test_the_form_shows_what_is_wrong_with_the_url(admin_client: Client) -> None:
    response = admin_client.post(
        "/webhooks/new/",
        {
            "name": "Internal",
            "format": "generic",
            "url": "http://0x7f.1/in",
            "events": ["ticket.created"],
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "unusual way of writing an IPv4 address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_webhook_page_shows_the_secret_and_the_delivery_log(
    admin_client: Client, webhook: Any
) -> None:
    assert admin_client.post(f"/webhooks/{webhook.pk}/test/").status_code == 302
    row = WebhookDelivery.objects.get()
    page = admin_client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert webhook.secret in page
    assert 'data-copy-target="#webhook-secret"' in page
    assert f'data-testid="delivery-{row.pk}"' in page
    assert "Test message" in page
    assert f'data-testid="redeliver-{row.pk}"' in page
    WebhookDelivery.objects.filter(pk=row.pk).update(state="failed", last_error="HTTP 500")
    admin_client.post(f"/webhooks/{webhook.pk}/deliveries/{row.pk}/redeliver/")
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)


def test_an_admin_edits_makes_a_new_secret_and_deletes(admin_client: Client, webhook: Any) -> None:
    old_secret = webhook.secret
    admin_client.post(f"/webhooks/{webhook.pk}/rotate-secret/")
    webhook.refresh_from_db()
    assert webhook.secret != old_secret
    response = admin_client.post(
        f"/webhooks/{webhook.pk}/edit/",
        {
            "name": "Ops (renamed)",
            "format": "generic",
            "url": "https://hooks.example.com/in",
            "events": ["ticket.created", "ticket.closed"],
            "secret": webhook.secret,
            "language": "en",
        },
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.is_active) == ("Ops (renamed)", False)
    assert admin_client.post(f"/webhooks/{webhook.pk}/delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", ["requester", "agent", "team_lead", "auditor"])
def test_nobody_else_opens_the_webhook_pages(
    client: Client, webhook: Any, role: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(role))
    for url in (
        "/webhooks/",
        "/webhooks/new/",
        f"/webhooks/{webhook.pk}/",
        f"/webhooks/{webhook.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
    for url in (f"/webhooks/{webhook.pk}/test/", f"/webhooks/{webhook.pk}/delete/"):
        assert client.post(url).status_code == 403, url
    assert not WebhookDelivery.objects.exists()
    assert WebhookSubscription.objects.filter(pk=webhook.pk).exists()
