"""Emptying IMAP and POP3 mailboxes (stdlib imaplib / poplib).

For each message: download, store (committed), and only then delete it on the server
(or, with ?delete=0, mark it fetched). A crash in between leaves the message on the
server; the next fetch downloads it again and de-duplication makes that harmless.
The size is asked first: of a message over YUNWEI_MAIL_MAX_MB only the head is
downloaded (stored quarantined).
"""

from __future__ import annotations

import contextlib
import functools
import imaplib
import logging
import poplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

from yunwei.inbound import actions

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995}
# Called with a message's bytes; size= (the whole message's) when they are only its
# head, failure= when that is all that could be downloaded.
Store = Callable[..., object]
# With ?delete=0, IMAP marks what it fetched with this keyword (\Seen would skip mail a
# person already read in webmail).
FETCHED = "$YunweiFetched"


class MailboxError(Exception):
    """A mailbox could not be read (configuration, connection, login)."""


@dataclass(frozen=True)
class Mailbox:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str
    delete: bool
    starttls: bool
    verify: bool

    @property
    def name(self) -> str:
        """How the mailbox is named in the log and on each message (no password)."""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"

    @property
    def is_imap(self) -> bool:
        return self.scheme.startswith("imap")

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def parse_url(url: str) -> Mailbox:
    try:
        parts = urlsplit(url.strip())
        parts.hostname  # noqa: B018 - raises for a malformed host ("pa[ss@host")
    except ValueError as error:
        raise MailboxError(f"malformed mailbox URL: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailboxError(f"unknown mailbox scheme {scheme!r}: use imap, imaps, pop3 or pop3s")
    if not parts.hostname or not parts.username:
        raise MailboxError(f"a mailbox URL needs a user and a host: {scheme}://user:pw@host/")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise MailboxError(f"bad port in the mailbox URL of {parts.hostname}") from error
    return Mailbox(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        delete=query.get("delete", "1") != "0",
        starttls=query.get("starttls", "0") == "1",
        verify=query.get("verify", "1") != "0",
    )


def configured() -> list[Mailbox]:
    return [parse_url(url) for url in settings.MAIL_INBOXES]


def fetch(mailbox: Mailbox, store: Store) -> int:
    """Downloads every waiting message into `store`; returns how many were stored."""
    try:
        if mailbox.is_imap:
            return _fetch_imap(mailbox, store)
        return _fetch_pop3(mailbox, store)
    except (OSError, imaplib.IMAP4.error, poplib.error_proto) as error:
        raise MailboxError(f"{mailbox.name}: {error}") from error


def _fetch_imap(mailbox: Mailbox, store: Store) -> int:
    timeout = settings.MAIL_TIMEOUT_SECONDS
    if mailbox.scheme == "imaps":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=mailbox.tls_context(), timeout=timeout
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        if mailbox.starttls:
            client.starttls(ssl_context=mailbox.tls_context())
    stored = 0
    try:
        client.login(mailbox.user, mailbox.password)
        status, _data = client.select(_quoted(mailbox.folder))
        if status != "OK":
            raise MailboxError(f"{mailbox.name}: cannot open the folder {mailbox.folder}")
        if mailbox.delete:
            criteria, flag = "UNDELETED", r"(\Deleted)"
        elif _keywords_allowed(client):
            criteria, flag = f"NOT KEYWORD {FETCHED} UNDELETED", rf"(\Seen {FETCHED})"
        else:  # a server without keywords: unread mail only
            criteria, flag = "UNSEEN UNDELETED", r"(\Seen)"
        _status, found = client.uid("SEARCH", None, criteria)
        for uid in (found[0] or b"").split():
            size = _imap_size(client, uid)
            too_large = size is not None and size > settings.MAIL_MAX_BYTES
            # PEEK: the message is marked seen only once stored.
            raw = _imap_fetch(
                client, uid, f"BODY.PEEK[]<0.{actions.HEAD_BYTES}>" if too_large else "BODY.PEEK[]"
            )
            if raw is None:
                continue  # gone meanwhile (another client expunged it)
            store(raw, size=size if too_large else None)
            stored += 1
            client.uid("STORE", uid, "+FLAGS", flag)
        if mailbox.delete:
            client.expunge()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return stored


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _keywords_allowed(client: imaplib.IMAP4) -> bool:
    """Whether the folder keeps keywords of our own (PERMANENTFLAGS holds \\*)."""
    _name, flags = client.response("PERMANENTFLAGS")
    return any(isinstance(item, bytes) and b"\\*" in item for item in flags or [])


def _imap_size(client: imaplib.IMAP4, uid: bytes) -> int | None:
    _status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    for item in data or []:
        found = re.search(rb"RFC822\.SIZE (\d+)", item if isinstance(item, bytes) else b"")
        if found:
            return int(found.group(1))
    return None


def _imap_fetch(client: imaplib.IMAP4, uid: bytes, part: str) -> bytes | None:
    _status, data = client.uid("FETCH", uid, f"({part})")
    for item in data or []:
        if isinstance(item, tuple) and re.search(rb"BODY\[\]", item[0]):
            return bytes(item[1])
    return None


def _fetch_pop3(mailbox: Mailbox, store: Store) -> int:
    timeout = settings.MAIL_TIMEOUT_SECONDS
    if mailbox.scheme == "pop3s":
        client: poplib.POP3 = poplib.POP3_SSL(
            mailbox.host, mailbox.port, context=mailbox.tls_context(), timeout=timeout
        )
    else:
        client = poplib.POP3(mailbox.host, mailbox.port, timeout=timeout)
        if mailbox.starttls:
            client.stls(context=mailbox.tls_context())
    # poplib refuses lines over 2048 bytes, which real mail has (long HTML, unwrapped
    # base64). No line is longer than the message, and messages over the limit are
    # never downloaded whole.
    poplib._MAXLINE = max(poplib._MAXLINE, settings.MAIL_MAX_BYTES)  # type: ignore[attr-defined]
    stored = 0
    try:
        client.user(mailbox.user)
        client.pass_(mailbox.password)
        _response, listing, _octets = client.list()
        for line in listing:
            number, size = (int(value) for value in line.split()[:2])
            try:
                if size > settings.MAIL_MAX_BYTES:  # its headers only
                    store(_pop3_lines(client.top(number, 0)), size=size)
                else:
                    store(_pop3_lines(client.retr(number)))
            except poplib.error_proto as error:
                if not _refused(error):
                    raise  # the connection is out of step: give up this mailbox
                _store_failure(client, number, size, error, store)
                continue  # left on the server, tried again next time
            stored += 1
            if mailbox.delete:
                client.dele(number)
        # Deletions take effect at QUIT only: a dropped connection deletes nothing.
        client.quit()
    except BaseException:
        client.close()
        raise
    return stored


def _pop3_lines(response: tuple[bytes, list[bytes], int]) -> bytes:
    return b"\r\n".join(response[1]) + b"\r\n"


def _refused(error: poplib.error_proto) -> bool:
    """The server answered -ERR to this message (the session is still usable)."""
    return (
        bool(error.args) and isinstance(error.args[0], bytes) and error.args[0].startswith(b"-ERR")
    )


def _store_failure(
    client: poplib.POP3, number: int, size: int, error: poplib.error_proto, store: Store
) -> None:
    """Keeps what can be had of a message the server will not hand out: its headers,
    if the server gives those, quarantined with the error."""
    head = b""
    with contextlib.suppress(poplib.error_proto):
        head = _pop3_lines(client.top(number, 0))
    reason = error.args[0].decode("utf-8", "replace")
    store(head, size=size, failure=f"message {number} could not be downloaded: {reason}")


@dataclass(frozen=True)
class FetchReport:
    mailbox: str
    stored: int  # messages downloaded (new or already known)
    error: str = ""


def fetch_all() -> list[FetchReport]:
    """Empties every configured mailbox (one failing mailbox does not stop the others),
    then processes whatever was stored."""
    reports = []
    for url in settings.MAIL_INBOXES:
        try:
            mailbox = parse_url(url)
            stored = fetch(mailbox, functools.partial(actions.store_message, source=mailbox.name))
            reports.append(FetchReport(mailbox.name, stored))
        except Exception as error:  # one mailbox must not stop the others
            logger.warning("mail fetch failed: %s", error)
            reports.append(FetchReport(_safe_name(url), 0, str(error)))
    actions.process_received()
    return reports


def _safe_name(url: str) -> str:
    """The mailbox without its password, for the report; never raises."""
    try:
        parts = urlsplit(url.strip())
        return f"{parts.scheme}://{parts.hostname or '?'}"
    except ValueError:
        return f"{url.strip().split(':', 1)[0][:10]}://?"
