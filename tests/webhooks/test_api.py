"""/api/v1/webhooks: administrators manage webhooks and read their deliveries; everyone
else is refused, and nothing is written for them."""

from __future__ import annotations

from typing import Any

import pytest

from yunwei.core.models import AuditEntry
from yunwei.webhooks.models import WebhookDelivery, WebhookSubscription

BASE = "/api/v1/webhooks"


def create(client: Any, **fields: Any) -> Any:
    body = {"name": "Ops", "url": "https://hooks.example.com/in", "events": ["ticket.created"]}
    body.update(fields)
    return client.post(BASE, body)


def test_an_admin_creates_reads_updates_and_deletes_a_webhook(
    api_as: Any, admin: Any, customer: Any
) -> None:
    client = api_as(admin)
    response = create(
        client, events=["ticket.sla_breached", "ticket.created"], organization=customer.pk
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["events"] == ["ticket.created", "ticket.sla_breached"]  # in catalogue order
    assert created["format"] == "generic"
    assert len(created["secret"]) >= 40  # made for a generic webhook
    assert created["organization"] == {"id": customer.pk, "name": customer.name}
    url = f"{BASE}/{created['id']}"
    assert client.get(url).json() == created
    assert client.get(BASE).json()["count"] == 1
    patched = client.patch(url, {"format": "dingtalk", "secret": "SECabc", "organization": None})
    assert patched.status_code == 200
    assert (patched.json()["format"], patched.json()["secret"]) == ("dingtalk", "SECabc")
    assert patched.json()["organization"] is None
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    actions = list(
        AuditEntry.objects.filter(object_type="webhooks.webhooksubscription")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_audit_entries_keep_secrets_and_tokens_out(api_as: Any, admin: Any) -> None:
    client = api_as(admin)
    created = create(
        client,
        format="dingtalk",
        secret="SECsecret",
        url="https://oapi.dingtalk.com/robot/send?access_token=tok",
    ).json()
    client.patch(
        f"{BASE}/{created['id']}", {"url": "https://oapi.dingtalk.com/robot/send?access_token=new"}
    )
    entries = AuditEntry.objects.filter(object_type="webhooks.webhooksubscription").order_by("id")
    text = repr(list(entries.values_list("changes", flat=True)))
    assert "tok" not in text
    assert "new" not in text
    assert "SECsecret" not in text
    assert entries.last().changes["url"] == ["https://oapi.dingtalk.com/robot/send?…"] * 2
    assert all(entry.organization_id is None for entry in entries)  # provider-internal


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "http://2130706433/in"}, "url", "unusual way of writing an IPv4 address"),
        ({"url": "http://10.0.0.8/in"}, "url", "10.0.0.8 is a private address"),
        ({"url": "http://[::ffff:169.254.169.254]/"}, "url", "link-local"),
        ({"url": "ftp://example.com/"}, "url", "Only http:// and https://"),
        ({"events": ["ticket.exploded"]}, "events", "Unknown events: ticket.exploded"),
        ({"events": []}, "events", "Choose at least one event"),
        ({"name": "  "}, "name", "Give the webhook a name"),
        ({"format": "telegram"}, "format", ""),
        ({"organization": 999999}, "organization", "Unknown id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    api_as: Any, admin: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    response = create(api_as(admin), **fields)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors
    assert message in errors[field]
    assert WebhookSubscription.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="webhooks.webhooksubscription").exists()


def test_a_private_address_is_accepted_when_the_admin_allows_it(api_as: Any, admin: Any) -> None:
    response = create(api_as(admin), url="http://10.0.0.8:8080/in", allow_private_network=True)
    assert response.status_code == 201


def test_deliveries_are_listed_sent_for_a_test_and_sent_again(api_as: Any, admin: Any) -> None:
    client = api_as(admin)
    webhook = create(client).json()
    other = create(client, name="Other").json()
    test = client.post(f"{BASE}/{webhook['id']}/test")
    assert test.status_code == 202
    assert test.json()["event"] == "webhook.test"
    page = client.get(f"{BASE}/{webhook['id']}/deliveries", {"limit": 10})
    assert page.json()["count"] == 1
    assert page.json()["items"][0]["key"] == test.json()["key"]
    assert client.get(f"{BASE}/{other['id']}/deliveries").json() == {"count": 0, "items": []}
    delivery_id = test.json()["id"]
    WebhookDelivery.objects.filter(pk=delivery_id).update(state="failed", attempts=10)
    again = client.post(f"{BASE}/{webhook['id']}/deliveries/{delivery_id}/redeliver")
    assert again.status_code == 202
    assert (again.json()["state"], again.json()["attempts"]) == ("pending", 0)
    # A delivery is reached only through its own webhook.
    assert (
        client.post(f"{BASE}/{other['id']}/deliveries/{delivery_id}/redeliver").status_code == 404
    )
    assert client.get(f"{BASE}/{webhook['id']}/deliveries", {"limit": 0}).status_code == 422


@pytest.mark.parametrize("role", ["requester", "other_requester", "agent", "team_lead", "auditor"])
def test_only_administrators_reach_webhooks(
    api_as: Any, admin: Any, role: str, request: pytest.FixtureRequest
) -> None:
    webhook = create(api_as(admin)).json()
    test = api_as(admin).post(f"{BASE}/{webhook['id']}/test").json()
    client = api_as(request.getfixturevalue(role))
    before = AuditEntry.objects.count(), WebhookDelivery.objects.count()
    one = f"{BASE}/{webhook['id']}"
    calls = [
        client.get(BASE),
        create(client),
        client.get(one),
        client.patch(one, {"name": "Mine"}),
        client.delete(one),
        client.post(f"{one}/test"),
        client.get(f"{one}/deliveries"),
        client.post(f"{one}/deliveries/{test['id']}/redeliver"),
    ]
    assert [call.status_code for call in calls] == [403] * len(calls)
    assert (AuditEntry.objects.count(), WebhookDelivery.objects.count()) == before
    assert WebhookSubscription.objects.get().name == "Ops"
