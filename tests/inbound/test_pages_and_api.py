"""The admin pages and /api/v1/inbound-messages: who sees inbound mail (administrators
only), re-processing, sender domains."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.inbound.conftest import eml, receive
from yunwei.core.models import AuditEntry
from yunwei.inbound.models import InboundMessage, SenderDomain

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def quarantined(mail_desk: Any, settings: Any) -> InboundMessage:
    receive(eml("utf8_qp"))  # a ticket, listed after the quarantined one
    settings.MAIL_DEFAULT_SERVICE = "gone"
    row = receive(eml("gb2312_attachment"))
    settings.MAIL_DEFAULT_SERVICE = mail_desk.code
    assert row.state == "quarantined"
    return row


def test_an_admin_reads_the_list_quarantined_first_and_the_detail(
    admin: Any, quarantined: InboundMessage
) -> None:
    client = signed_in(admin)
    page = client.get("/inbound/").content.decode()
    assert page.index("打印机故障（镕）") < page.index("显示器 黑屏")
    assert "显示器 黑屏" not in client.get("/inbound/?state=quarantined").content.decode()
    detail = client.get(f"/inbound/{quarantined.pk}/").content.decode()
    assert "打印机无法打印，朱镕基大楼三层。" in detail
    assert "YUNWEI_MAIL_DEFAULT_SERVICE names no service: gone" in detail
    assert "截图.png" in detail
    assert 'data-testid="reprocess"' in detail
    raw = client.get(f"/inbound/{quarantined.pk}/raw/")
    assert raw["Content-Type"] == "message/rfc822"
    assert raw.content == eml("gb2312_attachment")


def test_the_reprocess_button_opens_the_ticket_and_is_audited(
    admin: Any, quarantined: InboundMessage
) -> None:
    response = signed_in(admin).post(f"/inbound/{quarantined.pk}/reprocess/")
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert quarantined.state == "ticket"
    assert AuditEntry.objects.filter(
        object_type="inbound.inboundmessage", actor=admin, source="web"
    ).exists()


def test_reprocessing_is_never_a_get(admin: Any, quarantined: InboundMessage) -> None:
    assert signed_in(admin).get(f"/inbound/{quarantined.pk}/reprocess/").status_code == 405
    quarantined.refresh_from_db()
    assert quarantined.state == "quarantined"


@pytest.mark.parametrize("who", ["agent", "requester", "auditor"])
def test_others_cannot_open_inbound_mail(
    request: Any, who: str, quarantined: InboundMessage
) -> None:
    client = signed_in(request.getfixturevalue(who))
    assert client.get("/inbound/").status_code == 403
    assert client.get(f"/inbound/{quarantined.pk}/").status_code == 403
    assert client.get(f"/inbound/{quarantined.pk}/raw/").status_code == 403
    assert client.post(f"/inbound/{quarantined.pk}/reprocess/").status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.state == "quarantined"


def test_an_admin_manages_sender_domains(admin: Any, customer: Any) -> None:
    client = signed_in(admin)
    response = client.post(
        "/inbound/sender-domains/new/", {"domain": "Acme.Example", "organization": customer.pk}
    )
    assert response.status_code == 302
    row = SenderDomain.objects.get()
    assert row.domain == "acme.example"
    assert "acme.example" in client.get("/inbound/sender-domains/").content.decode()
    again = client.post(
        "/inbound/sender-domains/new/", {"domain": "acme.example", "organization": customer.pk}
    )
    assert again.status_code == 200
    assert SenderDomain.objects.count() == 1
    client.post(f"/inbound/sender-domains/{row.pk}/delete/")
    assert not SenderDomain.objects.exists()


def test_an_agent_cannot_add_a_sender_domain(agent: Any, customer: Any) -> None:
    response = signed_in(agent).post(
        "/inbound/sender-domains/new/", {"domain": "acme.example", "organization": customer.pk}
    )
    assert response.status_code == 403
    assert not SenderDomain.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_filters_and_reads_inbound_mail(
    api_as: Any, admin: Any, quarantined: InboundMessage
) -> None:
    api = api_as(admin)
    listed = api.get("/api/v1/inbound-messages").json()
    assert listed["count"] == 2
    assert [item["state"] for item in listed["items"]] == ["quarantined", "ticket"]
    only = api.get("/api/v1/inbound-messages?state=ticket&limit=1").json()
    assert only["count"] == 1
    assert only["items"][0]["ticket"]["reference"].startswith("INC-")
    detail = api.get(f"/api/v1/inbound-messages/{quarantined.pk}").json()
    assert detail["subject"] == "打印机故障（镕）"
    assert detail["text"] == "打印机无法打印，朱镕基大楼三层。\n请尽快处理。"
    assert detail["attachments"] == ["截图.png", "错误日志.txt"]
    assert ["Subject", "打印机故障（镕）"] in detail["headers"]
    bad = api.get("/api/v1/inbound-messages?state=lost")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "state"


def test_the_api_reprocesses_and_refuses_a_second_time(
    api_as: Any, admin: Any, quarantined: InboundMessage
) -> None:
    api = api_as(admin)
    done = api.post(f"/api/v1/inbound-messages/{quarantined.pk}/reprocess")
    assert done.status_code == 200
    assert done.json()["state"] == "ticket"
    again = api.post(f"/api/v1/inbound-messages/{quarantined.pk}/reprocess")
    assert again.status_code == 409


def test_customers_see_no_inbound_mail_through_the_api(
    api_as: Any, requester: Any, quarantined: InboundMessage
) -> None:
    api = api_as(requester)
    assert api.get("/api/v1/inbound-messages").json() == {"count": 0, "items": []}
    assert api.get(f"/api/v1/inbound-messages/{quarantined.pk}").status_code == 404
    assert api.post(f"/api/v1/inbound-messages/{quarantined.pk}/reprocess").status_code == 404
    quarantined.refresh_from_db()
    assert quarantined.state == "quarantined"


@pytest.mark.parametrize("who", ["agent", "auditor"])
def test_staff_without_the_permission_are_refused_by_the_api(
    api_as: Any, request: Any, who: str, quarantined: InboundMessage
) -> None:
    api = api_as(request.getfixturevalue(who))
    assert api.get("/api/v1/inbound-messages").status_code == 403
    assert api.get(f"/api/v1/inbound-messages/{quarantined.pk}").status_code == 403
    assert api.post(f"/api/v1/inbound-messages/{quarantined.pk}/reprocess").status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.state == "quarantined"
