from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from yunwei.accounts import actions
from yunwei.core import audit
from yunwei.core.context import origin
from yunwei.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db(transaction=False)


def _drop_triggers() -> None:
    """What an attacker with database rights would do before editing history; the test
    transaction's rollback restores them."""
    migration = importlib.import_module("yunwei.core.migrations.0003_protect_sealed_audit_entries")
    migration.protect(connection, on=False)


def _history(provider: Any, n: int = 4) -> list[AuditEntry]:
    for i in range(n):
        actions.create_organization(actor=None, name=f"Org {i}", code=f"org-{i}")
    audit.seal_pending()
    return list(AuditEntry.objects.filter(seq__isnull=False).order_by("seq"))


def test_an_action_writes_an_audit_entry_with_old_and_new_values(admin: Any, customer: Any) -> None:
    with origin("api", request_id="req-12345678"):
        actions.update_organization(customer, actor=admin, name="Acme Holdings")
    entry = AuditEntry.objects.for_object(customer).get()
    assert entry.action == "update"
    assert entry.changes == {"name": ["Acme", "Acme Holdings"]}
    assert entry.actor_id == admin.pk
    assert entry.actor_label == admin.email
    assert entry.source == "api"
    assert entry.request_id == "req-12345678"
    assert entry.organization_id == customer.pk


def test_an_update_that_changes_nothing_writes_no_entry(admin: Any, customer: Any) -> None:
    actions.update_organization(customer, actor=admin, name="Acme")
    assert not AuditEntry.objects.for_object(customer).exists()


def test_passwords_are_redacted_in_the_audit_trail(admin: Any, requester: Any) -> None:
    actions.update_user(requester, actor=admin, password="An0ther-long-password")
    entry = AuditEntry.objects.for_object(requester).get()
    assert entry.changes == {"password": [audit.REDACTED, audit.REDACTED]}


def test_entries_outside_a_web_request_name_their_source(customer: Any) -> None:
    with origin("cli"):
        actions.update_organization(customer, actor=None, name="Acme CLI")
    entry = AuditEntry.objects.for_object(customer).get()
    assert (entry.source, entry.actor_id, len(entry.request_id)) == ("cli", None, 32)


def test_a_failed_action_leaves_no_audit_entry(customer: Any) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="already exists"):
        actions.create_organization(actor=None, name="Acme", code="acme-2")
    assert AuditEntry.objects.count() == before


def test_sealing_chains_entries_in_order_and_verify_accepts_them(provider: Any) -> None:
    entries = _history(provider)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[1].prev_hash == entries[0].hash
    report = audit.verify_chain()
    assert (report.ok, report.checked, report.unsealed) == (True, len(entries), 0)


def test_the_database_refuses_to_change_a_sealed_entry(provider: Any) -> None:
    entry = _history(provider)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def test_verify_names_the_first_entry_edited_directly_in_the_database(provider: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    AuditEntry.objects.filter(pk=entries[2].pk).update(changes={"name": [None, "forged"]})
    report = audit.verify_chain()
    assert not report.ok
    assert report.bad_entry_id == entries[2].pk
    assert "edited" in report.problem
    with pytest.raises(CommandError, match=f"entry id {entries[2].pk}"):
        call_command("audit", "verify")


def test_verify_detects_a_deleted_entry(provider: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    report = audit.verify_chain()
    assert (report.ok, report.bad_entry_id) == (False, entries[2].pk)
    assert "deleted" in report.problem


def test_verify_detects_entries_deleted_from_the_end(provider: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    report = audit.verify_chain()
    assert not report.ok
    assert "end" in report.problem


def test_verify_detects_two_entries_swapped(provider: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    first, second = entries[0], entries[1]
    AuditEntry.objects.filter(pk=first.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=second.pk).update(seq=first.seq)
    AuditEntry.objects.filter(pk=first.pk).update(seq=second.seq)
    report = audit.verify_chain()
    assert (report.ok, report.bad_seq) == (False, 1)


def test_rechaining_without_the_key_is_detected(provider: Any, settings: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    settings.AUDIT_KEY = "a key the attacker guessed"
    forged = AuditEntry.objects.get(pk=entries[0].pk)
    forged.object_repr = "forged"
    forged.hash = audit.entry_hash(forged, forged.prev_hash)
    forged.save()
    settings.AUDIT_KEY = "test-audit-key"
    assert audit.verify_chain().bad_entry_id == entries[0].pk


def test_deferred_sealing_reports_pending_entries_until_the_worker_seals(
    provider: Any, settings: Any
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    audit.seal_pending()
    actions.create_organization(actor=None, name="Pending Org", code="pending")
    assert audit.verify_chain().unsealed == 1
    from yunwei.core.jobs import seal_audit_chain

    assert seal_audit_chain() == 1
    report = audit.verify_chain()
    assert (report.ok, report.unsealed) == (True, 0)
    assert AuditChainHead.objects.get().seq == report.checked


def test_audit_verify_command_reports_an_intact_chain(provider: Any, capsys: Any) -> None:
    _history(provider, 2)
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_an_entry_edited_while_awaiting_its_seal_is_refused_and_flagged(
    provider: Any, settings: Any
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    audit.seal_pending()
    org = actions.create_organization(actor=None, name="Pending", code="pending")
    entry = AuditEntry.objects.for_object(org).get()
    AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")  # unsealed: no trigger
    assert audit.verify_chain().bad_entry_id == entry.pk
    with pytest.raises(audit.ChainBroken, match=str(entry.pk)):
        audit.seal_pending()


def test_truncating_the_end_and_rewriting_the_head_is_detected(provider: Any) -> None:
    entries = _history(provider)
    _drop_triggers()
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=entries[-2].seq, hash=entries[-2].hash)
    report = audit.verify_chain()
    assert (report.ok, report.problem) == (False, "the chain head was altered")
    with pytest.raises(audit.ChainBroken):
        audit.seal_pending()


def test_a_wiped_and_resealed_history_is_caught_by_the_anchor_outside_the_database(
    provider: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchor.json")
    with django_capture_on_commit_callbacks(execute=True):
        entries = _history(provider)
    assert audit.verify_chain().ok
    _drop_triggers()
    # Un-seal everything, drop one entry, forget the head: the sealer would start afresh.
    AuditEntry.objects.update(seq=None, prev_hash="", hash="")
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    AuditChainHead.objects.all().delete()
    with pytest.raises(audit.ChainBroken, match="were sealed"):
        audit.seal_pending()
    report = audit.verify_chain()
    assert not report.ok
    assert "database replaced" in report.problem


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_sealed_history(provider: Any) -> None:
    _history(provider, 1)
    with (
        pytest.raises(DatabaseError, match="truncated"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE core_auditentry")
