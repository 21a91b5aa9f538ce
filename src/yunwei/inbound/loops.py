"""Mail that no person wrote: auto-replies, bounces, lists and our own mail coming back.

Such mail never becomes a ticket or a comment (answering it would start a mail loop);
it is kept as an "ignored" entry with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from email.message import EmailMessage

from yunwei.inbound.charsets import decode_header_value

_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
# Exchange's own out-of-office replies ask for no further auto-replies with "All" or
# "AutoReply"; people's mail carries neither ("OOF", "DR"… alone only suppress
# receipts, and Outlook adds them to some ordinary mail).
_SUPPRESS = {"all", "autoreply"}
_AUTO_SUBJECT = re.compile(
    r"^\s*(自动回复|自動回覆|automatic reply|auto[- ]?reply|out of (the )?office|autosvar)\s*[:：]",
    re.I,
)


def _header(message: EmailMessage, name: str) -> str:
    # The raw values: parsing a crafted header can raise.
    values = [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]
    return " ".join(decode_header_value(value) for value in values).strip()


def automatic_reason(
    message: EmailMessage,
    *,
    from_address: str,
    own_addresses: Collection[str],
    is_ours: Callable[[str], bool],
) -> str:
    """Why this message is automatic (empty: a person wrote it). `from_address` is the
    From address as written, even one the strict sender check refuses."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in _PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if name in message:
            return f"{name} header"
    suppress = {t.strip().lower() for t in _header(message, "X-Auto-Response-Suppress").split(",")}
    if suppress & _SUPPRESS:
        return f"X-Auto-Response-Suppress: {_header(message, 'X-Auto-Response-Suppress')}"
    if message.get_content_type() == "multipart/report":
        report = message.get_param("report-type") or ""
        return f"delivery or read report (multipart/report; {report})"
    if "Return-Path" in message and _header(message, "Return-Path").strip() in {"<>", ""}:
        return "empty Return-Path: a bounce"
    local = from_address.rsplit("@", 1)[0].lower()
    if local in _DAEMONS:
        return f"sent by {from_address}"
    if from_address.lower() in {address.lower() for address in own_addresses}:
        return f"from our own address {from_address}"
    if is_ours(_header(message, "Message-ID")):
        return "our own message came back"
    for name in ("List-Id", "List-Unsubscribe"):
        if name in message:
            return f"mailing list or bulk mail ({name})"
    if _AUTO_SUBJECT.match(_header(message, "Subject")):
        return f"auto-reply subject: {_header(message, 'Subject')[:100]}"
    return ""
