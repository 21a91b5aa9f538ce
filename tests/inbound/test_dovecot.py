"""`yunwei mail fetch` against a real IMAP and POP3 server: a private Dovecot started
for each test on free loopback ports, with a Maildir in a temporary directory.

Skipped where Dovecot is not installed (Debian: `apt-get install dovecot-imapd
dovecot-pop3d`; the tests never use the system's own configuration or daemon)."""

from __future__ import annotations

import contextlib
import imaplib
import io
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.inbound.conftest import eml
from yunwei.inbound import actions, mailboxes
from yunwei.inbound.models import InboundMessage
from yunwei.tickets.models import Ticket

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "desk", "p@ss/word%1"  # needs URL-encoding
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(DOVECOT).exists(), reason=f"{DOVECOT} is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    imap_port: int
    pop3_port: int
    maildir: Path
    log: Path

    def deliver(self, *messages: bytes) -> None:
        for index, raw in enumerate(messages):
            name = f"{time.time_ns()}.{index}.yunwei-test"
            path = self.maildir / "new" / name
            path.write_bytes(raw)
            _own(path)

    def waiting(self) -> int:
        return sum(1 for folder in ("new", "cur") for _ in (self.maildir / folder).iterdir())

    def url(self, scheme: str, query: str = "") -> str:
        port = self.imap_port if scheme == "imap" else self.pop3_port
        folder = "/INBOX" if scheme == "imap" else ""
        return f"{scheme}://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{port}{folder}{query}"


def _mail_user() -> pwd.struct_passwd:
    # Dovecot never runs mail processes as root: as root, the mail belongs to nobody.
    return pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        user = _mail_user()
        os.chown(path, user.pw_uid, user.pw_gid)


def _config(root: Path, imap_port: int, pop3_port: int) -> str:
    me = pwd.getpwuid(os.geteuid()).pw_name
    internal, login = ("dovecot", "dovenull") if os.geteuid() == 0 else (me, me)
    mail_user = _mail_user()
    return f"""
protocols = imap pop3
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
last_valid_uid = 0
first_valid_gid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


@pytest.fixture
def dovecot() -> Iterator[Server]:
    root = Path(tempfile.mkdtemp(prefix="yunwei-dovecot-"))
    root.chmod(0o755)  # the login and mail processes run as other users
    imap_port, pop3_port = free_port(), free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    maildir = root / "home" / USER / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in [root / "home", root / "home" / USER, maildir, *maildir.iterdir()]:
        _own(path)
    config = root / "dovecot.conf"
    config.write_text(_config(root, imap_port, pop3_port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=subprocess.PIPE)
    try:
        _wait_for(imap_port, process, root / "dovecot.log")
        _wait_for(pop3_port, process, root / "dovecot.log")
        yield Server(imap_port, pop3_port, maildir, root / "dovecot.log")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def fetch() -> str:
    out = io.StringIO()
    call_command("mail", "fetch", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_fetch_empties_the_mailbox_into_tickets_and_a_second_fetch_makes_nothing(
    dovecot: Server, mail_desk: Any, settings: Any, scheme: str
) -> None:
    dovecot.deliver(eml("gb2312_attachment"), eml("big5"), eml("garbage"))
    settings.MAIL_INBOXES = [dovecot.url(scheme)]
    output = fetch()
    assert ": 3 messages" in output
    assert sorted(Ticket.objects.values_list("title", flat=True)) == [
        "打印机故障（镕）",
        "香港辦公室網絡故障",
    ]
    assert sorted(InboundMessage.objects.values_list("state", flat=True)) == [
        "quarantined",
        "ticket",
        "ticket",
    ]
    assert InboundMessage.objects.filter(source__startswith=f"{scheme}://{USER}@").count() == 3
    assert dovecot.waiting() == 0
    assert ": 0 messages" in fetch()
    assert Ticket.objects.count() == 2


def test_a_message_fetched_again_after_a_crash_is_no_second_ticket(
    dovecot: Server, mail_desk: Any, settings: Any
) -> None:
    # As if the fetcher died after storing but before deleting: the mail is still there.
    settings.MAIL_INBOXES = [dovecot.url("imap")]
    dovecot.deliver(eml("gbk"))
    fetch()
    dovecot.deliver(eml("gbk"))
    fetch()
    assert Ticket.objects.count() == 1
    assert dovecot.waiting() == 0


def test_with_delete_0_imap_keeps_the_mail_and_fetches_it_once_even_if_already_read(
    dovecot: Server, mail_desk: Any, settings: Any
) -> None:
    dovecot.deliver(eml("utf8_qp"), eml("gbk"))
    client = imaplib.IMAP4("127.0.0.1", dovecot.imap_port, timeout=5)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    client.store("2", "+FLAGS", r"(\Seen)")  # a person read it in webmail first
    settings.MAIL_INBOXES = [dovecot.url("imap", "?delete=0")]
    assert ": 2 messages" in fetch()
    assert ": 0 messages" in fetch()
    assert Ticket.objects.count() == 2
    client.noop()
    assert client.search(None, "SEEN")[1][0].split() == [b"1", b"2"]
    assert client.search(None, "KEYWORD", "$YunweiFetched")[1][0].split() == [b"1", b"2"]
    client.logout()


def test_a_message_pop3_refuses_to_hand_out_is_quarantined_and_the_next_one_fetched(
    dovecot: Server, mail_desk: Any, settings: Any
) -> None:
    dovecot.deliver(eml("utf8_qp"), eml("gbk"), eml("big5"))
    second = sorted((dovecot.maildir / "new").iterdir())[1].name

    def store(raw: bytes, **kwargs: Any) -> object:
        for path in dovecot.maildir.glob(f"*/{second}*"):
            path.unlink()  # gone before its turn
        return actions.store_message(raw, source="pop3", **kwargs)

    assert mailboxes.fetch(mailboxes.parse_url(dovecot.url("pop3")), store) == 2
    actions.process_received()
    rows = InboundMessage.objects.order_by("id")
    assert [row.state for row in rows] == ["ticket", "quarantined", "ticket"]
    assert rows[1].reason == "message 2 could not be downloaded: -ERR Message 2 expunged."
    assert dovecot.waiting() == 0


def test_an_unreachable_or_refused_mailbox_does_not_stop_the_others(
    dovecot: Server, mail_desk: Any, settings: Any
) -> None:
    dovecot.deliver(eml("utf8_base64"))
    wrong = dovecot.url("imap").replace(quote(PASSWORD, safe=""), "wrong")
    settings.MAIL_INBOXES = [
        f"imap://x:y@127.0.0.1:{free_port()}/INBOX",
        wrong,
        dovecot.url("pop3"),
    ]
    err = io.StringIO()
    with pytest.raises(CommandError, match="some mailboxes could not be read"):
        call_command("mail", "fetch", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().count("\n") == 2
    assert PASSWORD not in err.getvalue()
    assert Ticket.objects.get().title == "VPN 连不上"


def test_pop3_fetches_a_message_with_lines_longer_than_poplib_allows(
    dovecot: Server, mail_desk: Any, settings: Any
) -> None:
    long_line = eml("plain", FROM="req@acme.example", N="1").replace(
        b"Please help.", b"Please help. " + b"x" * 5000
    )
    dovecot.deliver(long_line, eml("gbk"))
    settings.MAIL_INBOXES = [dovecot.url("pop3")]
    assert ": 2 messages" in fetch()
    assert Ticket.objects.count() == 2
    assert dovecot.waiting() == 0


def logged_out(dovecot: Server) -> str:
    """The last session's "Logged out" line: dovecot writes it a moment after the client
    has gone, so wait for it (a few seconds at most)."""
    for _ in range(100):
        log = dovecot.log.read_text()
        if "Logged out" in log:
            return log.rsplit("Logged out", 1)[1]
        time.sleep(0.05)
    raise AssertionError("dovecot logged no logout")


@pytest.mark.parametrize("scheme", ["imap", "pop3"])
def test_of_an_oversized_message_only_the_head_is_downloaded(
    dovecot: Server, mail_desk: Any, settings: Any, scheme: str
) -> None:
    big = eml("gbk") + (b"x" * 78 + b"\r\n") * 4000  # 320 kB
    settings.MAIL_MAX_BYTES = 100_000
    dovecot.deliver(big)
    settings.MAIL_INBOXES = [dovecot.url(scheme)]
    fetch()
    row = InboundMessage.objects.get()
    assert (row.state, row.truncated, row.size, row.subject) == (
        "quarantined",
        True,
        len(big),
        "邮箱无法登录",
    )
    assert dovecot.waiting() == 0
    # What the server says it sent.
    logout = logged_out(dovecot)
    if scheme == "imap":
        assert int(re.search(r"out=(\d+)", logout).group(1)) < 100_000
    else:
        assert "top=1/" in logout
        assert "retr=0/0" in logout
