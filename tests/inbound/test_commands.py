"""`yunwei mail ingest` (an MTA pipe) and `yunwei mail reprocess`."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from tests.inbound.conftest import eml
from yunwei import cli
from yunwei.core.models import AuditEntry
from yunwei.inbound import actions
from yunwei.inbound.models import InboundMessage
from yunwei.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def ingest(raw: bytes) -> str:
    out = io.StringIO()
    call_command("mail", "ingest", stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


def test_ingest_stores_and_processes_one_message_from_stdin(mail_desk: Any) -> None:
    output = ingest(eml("gb2312_attachment"))
    row = InboundMessage.objects.get()
    assert output == f"message {row.pk}: ticket\n"
    assert (row.source, row.ticket.title) == ("pipe", "打印机故障（镕）")
    assert {e.source for e in AuditEntry.objects.filter(object_type="tickets.ticket")} == {"email"}


def test_a_redelivered_message_is_accepted_and_makes_nothing_new(mail_desk: Any) -> None:
    ingest(eml("gbk"))
    output = ingest(eml("gbk"))
    assert "already received (ticket)" in output
    assert Ticket.objects.count() == 1


def test_a_message_that_cannot_be_stored_asks_the_mta_to_retry(
    mail_desk: Any, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(actions, "store_message", broken)
    with pytest.raises(CommandError) as failure:
        ingest(eml("gbk"))
    assert failure.value.returncode == 75
    assert not InboundMessage.objects.exists()


def test_empty_input_is_refused_as_bad_data(db: Any) -> None:
    with pytest.raises(CommandError) as failure:
        ingest(b"  \r\n")
    assert failure.value.returncode == 65


def test_malformed_mail_is_accepted_into_quarantine(mail_desk: Any) -> None:
    output = ingest(eml("garbage"))
    assert output.endswith(": quarantined\n")


def test_reprocess_runs_a_quarantined_message_again(mail_desk: Any, settings: Any) -> None:
    settings.MAIL_DEFAULT_SERVICE = "gone"
    ingest(eml("gbk"))
    row = InboundMessage.objects.get()
    assert row.state == "quarantined"
    settings.MAIL_DEFAULT_SERVICE = ""
    out = io.StringIO()
    call_command("mail", "reprocess", str(row.pk), stdout=out)
    assert out.getvalue() == f"message {row.pk}: ticket\n"
    with pytest.raises(CommandError, match="Only quarantined or rejected"):
        call_command("mail", "reprocess", str(row.pk), stdout=io.StringIO())


def test_reprocess_quarantined_runs_them_all(mail_desk: Any, settings: Any) -> None:
    settings.MAIL_DEFAULT_SERVICE = "gone"
    ingest(eml("gbk"))
    ingest(eml("utf8_qp"))
    settings.MAIL_DEFAULT_SERVICE = mail_desk.code
    call_command("mail", "reprocess", "--quarantined", stdout=io.StringIO())
    assert set(InboundMessage.objects.values_list("state", flat=True)) == {"ticket"}
    assert Ticket.objects.count() == 2


def test_mail_is_a_verb_of_the_yunwei_command() -> None:
    assert "mail" in cli.VERBS
    assert "yunwei mail ingest" in cli.usage()


def test_the_worker_job_processes_messages_a_pipe_stored_but_did_not_process(
    mail_desk: Any, settings: Any
) -> None:
    from yunwei.core.schedule import REGISTRY
    from yunwei.inbound import jobs

    settings.MAIL_INBOXES = []
    row, _created = actions.store_message(eml("gbk"), source="pipe")  # then the pipe died
    assert "yunwei.inbound.jobs.fetch_mail" in REGISTRY
    assert jobs.fetch_mail() == 1
    row.refresh_from_db()
    assert row.state == "ticket"
    assert jobs.fetch_mail() == 0


def test_a_malformed_mailbox_url_is_reported_without_its_password(db: Any, settings: Any) -> None:
    settings.MAIL_INBOXES = ["imaps://user:pa[ss@host/"]
    err = io.StringIO()
    with pytest.raises(CommandError, match="some mailboxes could not be read"):
        call_command("mail", "fetch", stdout=io.StringIO(), stderr=err)
    assert "malformed mailbox URL" in err.getvalue()
    assert "pa[ss" not in err.getvalue()
