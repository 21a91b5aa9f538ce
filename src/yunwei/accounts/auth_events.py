"""Sign-ins, sign-outs and failed sign-ins go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction

from yunwei.core import audit
from yunwei.core.models import AuditAction


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit.record(actor=user, action=AuditAction.LOGIN, obj=user, changes={})


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit.record(actor=user, action=AuditAction.LOGOUT, obj=user, changes={})


def _failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The attempted name is kept, never the password; unknown accounts are logged alike.
    with transaction.atomic():
        audit.record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            object_type="accounts.user",
            object_id="",
            object_repr=str(credentials.get("username", ""))[:200],
        )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="yunwei_audit_login")
    user_logged_out.connect(_signed_out, dispatch_uid="yunwei_audit_logout")
    user_login_failed.connect(_failed, dispatch_uid="yunwei_audit_login_failed")
