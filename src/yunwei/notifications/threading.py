"""Message-IDs that carry their ticket, so a reply finds its way back.

Every mail about a ticket gets a Message-ID of the form

    <yw.t123.6f1c0e9a2b.d41d8cd98f00b204@mail.example.com>
        ticket id ^   ^ random   ^ signature (HMAC of "t123.<random>")

and threads under the ticket's root id `<yw.t123.root.<signature>@domain>` (In-Reply-To
and References), so mail clients group a ticket's messages. A reply names these ids in
In-Reply-To / References; `ticket_id_from()` reads the ticket back and checks the
signature, so a forged header cannot point a mail at some other ticket. No table is
needed to route replies, and ids survive a restore of an older database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from django.conf import settings

_ID = re.compile(r"<?yw\.t(\d{1,18})\.([0-9a-z]{1,32})\.([0-9a-f]{16})@[^>\s]+>?", re.I)


def mail_domain() -> str:
    """The right-hand side of our Message-IDs: YUNWEI_MAIL_DOMAIN, else the sender's."""
    configured = getattr(settings, "MAIL_DOMAIN", "")
    if configured:
        return configured
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >")
    return sender or "localhost"


def _sign(ticket_id: int, nonce: str) -> str:
    message = f"t{ticket_id}.{nonce}".encode()
    key = ("yunwei.mail-thread:" + settings.SECRET_KEY).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def _make(ticket_id: int, nonce: str) -> str:
    return f"<yw.t{ticket_id}.{nonce}.{_sign(ticket_id, nonce)}@{mail_domain()}>"


def root_id(ticket_id: int) -> str:
    """The id every mail about the ticket replies to (never sent as a Message-ID)."""
    return _make(ticket_id, "root")


def new_message_id(ticket_id: int) -> str:
    return _make(ticket_id, secrets.token_hex(5))


def ticket_id_from(message_ids: Iterable[str]) -> int | None:
    """The ticket named by the first of our own, correctly signed ids; None if none is."""
    for value in message_ids:
        for match in _ID.finditer(value or ""):
            ticket_id, nonce, signature = int(match[1]), match[2].lower(), match[3].lower()
            if hmac.compare_digest(signature, _sign(ticket_id, nonce)):
                return ticket_id
    return None


def is_ours(message_id: str) -> bool:
    """True for an id we made: a message that carries one as its own Message-ID is our own
    mail coming back (a loop)."""
    return ticket_id_from([message_id]) is not None
