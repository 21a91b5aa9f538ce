"""Attachments: size and type limits, content that must match the name, and files served
only to those who may see them."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yunwei.tickets import actions
from yunwei.tickets.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60


def upload(client: Any, ticket_id: int, name: str, data: bytes, **form: Any) -> Any:
    # Multipart, not the JSON client's default body.
    return client.post(
        f"/api/v1/tickets/{ticket_id}/attachments",
        {"file": SimpleUploadedFile(name, data), **form},
        content_type=None,
    )


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_a_requester_attaches_a_screenshot_and_downloads_it_back(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    client = api_as(requester)
    response = upload(client, ticket.pk, "屏幕截图.png", PNG)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "屏幕截图.png"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(PNG)
    download = client.get(body["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_file_whose_content_lies_about_its_extension_is_refused(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    client = api_as(requester)
    for name, data in (("invoice.pdf", EXE), ("photo.jpg", PNG), ("run.exe", EXE)):
        response = upload(client, ticket.pk, name, data)
        assert response.status_code == 422, name
        assert response.json()["errors"][0]["field"] == "file"
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_text_and_office_files_are_accepted(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    client = api_as(requester)
    assert (
        upload(client, ticket.pk, "日志.txt", "错误日志 ERROR 500\n".encode("gb18030")).status_code
        == 201
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert upload(client, ticket.pk, "报告.docx", buffer.getvalue()).status_code == 201
    binary = upload(client, ticket.pk, "notes.txt", b"\x00\x01\x02binary")
    assert binary.status_code == 422


@pytest.mark.django_db
def test_a_file_over_the_limit_is_413_and_leaves_nothing(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = make_ticket()
    response = upload(api_as(requester), ticket.pk, "big.png", PNG + b"\x00" * 2000)
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert Attachment.objects.count() == 0
    assert not list(tmp_path.rglob("*"))


@pytest.mark.django_db
def test_files_are_served_only_to_those_who_may_see_them(
    api_as: Any, requester: Any, other_requester: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    staff = api_as(agent)
    note = actions.add_comment(ticket, actor=agent, body="内部：日志见附件", public=False)
    internal = upload(staff, ticket.pk, "internal.png", PNG, comment=note.pk).json()
    assert internal["public"] is False
    public = upload(staff, ticket.pk, "public.png", PNG).json()
    customer = api_as(requester)
    assert customer.get(internal["url"]).status_code == 404
    assert customer.get(public["url"]).status_code == 200
    listed = customer.get(f"/api/v1/tickets/{ticket.pk}/attachments").json()
    assert [a["name"] for a in listed] == ["public.png"]
    assert api_as(other_requester).get(public["url"]).status_code == 404
    assert staff.get(internal["url"]).status_code == 200
    # A customer cannot add an internal file.
    sneaky = upload(customer, ticket.pk, "x.png", PNG, public="false")
    assert sneaky.status_code == 422
