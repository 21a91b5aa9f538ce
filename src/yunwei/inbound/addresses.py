"""Strict sender parsing.

Python's `parseaddr`/`getaddresses` mis-read crafted headers (CVE-2023-27043): for
"alice@example.org)<bob@example.com>" they return alice's address. Identity is taken
only from a From header with exactly one plain mailbox, parsed by
`email.headerregistry` without any defect, whose address Django's EmailValidator also
accepts; anything ambiguous is refused with the reason. Reply-To is never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from yunwei.inbound.charsets import without_nul

_validate = EmailValidator()


class SenderRefused(ValueError):
    """The From header does not name exactly one unambiguous address."""


@dataclass(frozen=True)
class Sender:
    address: str  # lower-cased
    name: str


def sender_of(message: EmailMessage) -> Sender:
    try:  # parsing raises ValueError, e.g. for an encoded CR in the display name
        headers = message.get_all("From") or []
    except ValueError as error:
        raise SenderRefused(f"unreadable From header ({error})") from error
    if len(headers) != 1:
        raise SenderRefused(f"{len(headers)} From headers; exactly one is needed")
    try:
        header = headers[0]
        addresses, groups, defects = header.addresses, header.groups, header.defects
    except (AttributeError, IndexError, ValueError) as error:
        raise SenderRefused(f"unreadable From header ({error})") from error
    raw = str(header)
    if defects:
        raise SenderRefused(f"malformed From header {raw!r}: {defects[0]}")
    if len(addresses) != 1:
        raise SenderRefused(f"the From header names {len(addresses)} addresses: {raw!r}")
    if any(group.display_name is not None for group in groups):
        raise SenderRefused(f"a group in the From header: {raw!r}")
    address = addresses[0]
    name = address.display_name or ""
    if any(ch in name for ch in "@<>"):
        # "alice@example.com <bob@evil.com>": which one is the sender?
        raise SenderRefused(f"an address-like display name in the From header: {raw!r}")
    as_written = next(str(v) for k, v in message.raw_items() if k.lower() == "from")
    if as_written.count("@") != 1:  # e.g. "bob@evil.com (alice@example.com)"
        raise SenderRefused(f"more than one address-like part in the From header: {raw!r}")
    addr = address.addr_spec
    if not address.username or not address.domain or address.domain.startswith("["):
        raise SenderRefused(f"not a plain mailbox address: {addr!r}")
    try:
        _validate(addr)
    except ValidationError as error:
        raise SenderRefused(f"invalid address {addr!r}") from error
    return Sender(address=addr.lower(), name=without_nul(name).strip())
