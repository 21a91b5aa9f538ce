"""Reading one RFC 5322 message: pure functions of its bytes, no database.

The stdlib parser (policy.default) does the MIME work; `charsets` makes the text of
Chinese mail readable, `addresses` checks the sender, `quoting` cuts reply history.
Damage that would lose content (a missing MIME boundary, broken base64, bytes that
are no e-mail at all) raises MalformedMail, so the message is quarantined instead of
turning into a half-empty ticket.
"""

from __future__ import annotations

import html
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors, message, policy, utils
from email.message import EmailMessage, MIMEPart
from email.parser import BytesHeaderParser, BytesParser

import nh3

from yunwei.inbound.addresses import Sender, SenderRefused, sender_of
from yunwei.inbound.charsets import decode_bytes, decode_header_value, without_nul

_ID = re.compile(r"<[^<>\s]+>")
_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.I)
_FATAL = (
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MissingHeaderBodySeparatorDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
)
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|blockquote|table|pre)\s*>")
_LIST_ITEM = re.compile(r"(?i)<li\b[^>]*>")
_HIDDEN = {"script", "style", "title", "head"}


class MalformedMail(ValueError):
    """The bytes cannot be read as the message they claim to be."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes = field(repr=False)
    # An image the HTML body shows in place (cid:), such as a signature logo.
    inline: bool = False


@dataclass(frozen=True)
class ParsedMail:
    message: EmailMessage = field(repr=False)
    message_id: str
    # Message-IDs this one answers: In-Reply-To first, then References (newest first).
    thread_ids: tuple[str, ...]
    subject: str
    from_address: str  # as written, for loop checks; identity comes from `sender` only
    sender: Sender | None
    sender_error: str
    text: str
    attachments: tuple[Attachment, ...]


def message_id_of(raw: bytes) -> str:
    """The Message-ID from the headers alone (for de-duplication before parsing)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        found = _ID.search(without_nul(str(headers.get("Message-ID", ""))))
    except Exception:  # any damage means: no usable id
        return ""
    return found.group() if found else ""


def summary(raw: bytes) -> tuple[str, str]:
    """(subject, From) from the headers alone, for messages that cannot be parsed whole."""
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        subject = decode_header_value(_raw(headers, "Subject"))
        sender = decode_header_value(_raw(headers, "From"))
    except Exception:  # a best effort for display only
        return "", ""
    return subject, sender


def ids_in(value: str) -> list[str]:
    return _ID.findall(without_nul(value or ""))


def parse(raw: bytes) -> ParsedMail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    _check_readable(msg)
    try:
        sender, sender_error = sender_of(msg), ""
    except SenderRefused as refused:
        sender, sender_error = None, str(refused)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    text = _text_of(body_part) if body_part is not None else ""
    thread = [
        *reversed(ids_in(_raw(msg, "In-Reply-To"))),
        *reversed(ids_in(_raw(msg, "References"))),
    ]
    return ParsedMail(
        message=msg,
        message_id=(ids_in(_raw(msg, "Message-ID")) or [""])[0],
        thread_ids=tuple(dict.fromkeys(thread)),
        subject=decode_header_value(_raw(msg, "Subject")),
        from_address=_from_address(msg),
        sender=sender,
        sender_error=sender_error,
        text=text,
        attachments=tuple(_attachments(msg, body_part)),
    )


def headers(msg: EmailMessage) -> list[tuple[str, str]]:
    """Every header, decoded, in order — for admins reading a message."""
    return [(name, decode_header_value(value)) for name, value in msg.raw_items()]


def html_to_text(markup: str) -> str:
    """Sanitised HTML as plain text: every tag stripped (scripts and styles with their
    content), line breaks kept at block ends."""
    markup = _LIST_ITEM.sub("\n- ", _BLOCK_END.sub("\n", markup))
    text = html.unescape(nh3.clean(markup, tags=set(), clean_content_tags=_HIDDEN))
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- internals ---------------------------------------------------------------------------


def _raw(msg: EmailMessage, name: str) -> str:
    """A header's value as it came (8-bit bytes kept as surrogate escapes)."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _check_readable(msg: EmailMessage) -> None:
    if not any(name in msg for name in ("From", "Date", "Message-ID", "Received", "Subject")):
        raise MalformedMail("no e-mail headers found: this is not an e-mail message")
    for part in msg.walk():
        fatal = [d for d in part.defects if isinstance(d, _FATAL)]
        if fatal:
            raise MalformedMail(f"damaged MIME structure: {_describe(fatal[0])}")


def _describe(defect: errors.MessageDefect) -> str:
    name = type(defect).__name__.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower() + (f" ({defect})" if str(defect) else "")


def _decoded(part: MIMEPart) -> bytes:
    data = part.get_payload(decode=True)
    fatal = [d for d in part.defects if isinstance(d, _FATAL)]
    if fatal:  # decoding reports broken base64 on the part
        raise MalformedMail(f"damaged {part.get_content_type()} part: {_describe(fatal[0])}")
    return data if isinstance(data, bytes) else b""


def _text_of(part: MIMEPart) -> str:
    text = decode_bytes(_decoded(part), part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    return re.sub(r"\r\n?", "\n", text).strip()


def _from_address(msg: EmailMessage) -> str:
    try:
        addresses = msg["From"].addresses if "From" in msg else ()
    except (AttributeError, IndexError, ValueError):
        return ""
    return without_nul(addresses[0].addr_spec) if addresses else ""


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        return [part]
    return [leaf for child in part.iter_parts() for leaf in _leaves(child)]  # type: ignore[arg-type]


def _param(part: EmailMessage, name: str, header: str) -> str:
    # The legacy API gives RFC 2231 values undecoded, so that their charset can be
    # widened like any other (gb2312 file names carry GBK characters too).
    legacy = message.Message()
    for key, value in part.raw_items():
        if key.lower() == header:
            legacy[key] = value
    value = legacy.get_param(name, header=header, unquote=False)
    if isinstance(value, tuple):
        charset, _language, text = value
        return decode_bytes(utils.unquote(text).encode("latin-1", "replace"), charset)
    return decode_header_value(utils.unquote(value)) if isinstance(value, str) else ""


def _filename(part: EmailMessage) -> str:
    return _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")


def _shown_in_html(leaves: list[EmailMessage]) -> set[str]:
    """The Content-IDs that HTML parts show in place (src="cid:…")."""
    shown = set()
    for leaf in leaves:
        if leaf.get_content_type() == "text/html":
            markup = leaf.get_payload(decode=True)
            if isinstance(markup, bytes):
                shown.update(_CID.findall(decode_bytes(markup, leaf.get_content_charset())))
    return shown


def _attachments(msg: EmailMessage, body: MIMEPart | None) -> list[Attachment]:
    found: list[Attachment] = []
    leaves = _leaves(msg)
    shown = _shown_in_html(leaves)
    for leaf in leaves:
        if leaf is body or (leaf is msg and body is None and leaf.get_content_maintype() == "text"):
            continue
        name = _filename(leaf)
        content_type = leaf.get_content_type()
        disposition = leaf.get_content_disposition()
        if not name and disposition != "attachment" and content_type in {"text/plain", "text/html"}:
            continue  # the other alternative of the body
        if content_type == "message/rfc822":
            inner = leaf.get_payload(0)
            data = inner.as_bytes() if isinstance(inner, message.Message) else b""
            name = name or "message.eml"
        else:
            data = _decoded(leaf)
        if not name:
            extension = mimetypes.guess_extension(content_type) or ".bin"
            name = f"{content_type.split('/')[0]}-{len(found) + 1}{extension}"
        content_id = _raw(leaf, "Content-ID").strip().strip("<>")
        inline = disposition != "attachment" and bool(content_id) and content_id in shown
        found.append(Attachment(name=name, content_type=content_type, data=data, inline=inline))
    return found
