"""Emptying IMAP and POP3 mailboxes (stdlib imaplib / poplib).

For each message: download, store (committed), and only then delete it on the server
(or, with ?delete=0, mark it seen). A crash in between leaves the message on the
server; the next fetch downloads it again and de-duplication makes that harmless.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import poplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"imap": 143, "imaps": 993, "pop3": 110, "pop3s": 995}
Store = Callable[[bytes], object]


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
    parts = urlsplit(url.strip())
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
        criteria = "UNDELETED" if mailbox.delete else "UNSEEN UNDELETED"
        _status, found = client.uid("SEARCH", None, criteria)
        for uid in (found[0] or b"").split():
            raw = _imap_body(client, uid)
            if raw is None:
                continue  # gone meanwhile (another client expunged it)
            store(raw)
            stored += 1
            flag = r"(\Deleted)" if mailbox.delete else r"(\Seen)"
            client.uid("STORE", uid, "+FLAGS", flag)
        if mailbox.delete:
            client.expunge()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return stored


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_body(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    # PEEK: the message is marked seen only once stored.
    _status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
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
    stored = 0
    try:
        client.user(mailbox.user)
        client.pass_(mailbox.password)
        count, _size = client.stat()
        for number in range(1, count + 1):
            _response, lines, _octets = client.retr(number)
            store(b"\r\n".join(lines) + b"\r\n")
            stored += 1
            if mailbox.delete:
                client.dele(number)
        # Deletions take effect at QUIT only: a dropped connection deletes nothing.
        client.quit()
    except BaseException:
        client.close()
        raise
    return stored


@dataclass(frozen=True)
class FetchReport:
    mailbox: str
    stored: int  # messages downloaded (new or already known)
    error: str = ""


def fetch_all() -> list[FetchReport]:
    """Empties every configured mailbox (one failing mailbox does not stop the others),
    then processes whatever was stored."""
    from yunwei.inbound import actions

    reports = []
    for url in settings.MAIL_INBOXES:
        try:
            mailbox = parse_url(url)
            stored = fetch(
                mailbox, lambda raw, name=mailbox.name: actions.store_message(raw, source=name)
            )
            reports.append(FetchReport(mailbox.name, stored))
        except Exception as error:  # one mailbox must not stop the others
            logger.warning("mail fetch failed: %s", error)
            reports.append(FetchReport(_safe_name(url), 0, str(error)))
    actions.process_received()
    return reports


def _safe_name(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.hostname or '?'}"
