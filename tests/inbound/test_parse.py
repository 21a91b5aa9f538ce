"""Reading mail: charsets, encoded headers, attachments, HTML, quoted history, strict
senders and automatic mail — pure functions of the bytes."""

from __future__ import annotations

import pytest

from tests.inbound.conftest import eml
from yunwei.inbound import loops, parse, quoting


def read(name: str, **placeholders: str) -> parse.ParsedMail:
    return parse.parse(eml(name, **placeholders))


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        ("gb2312_attachment", "打印机故障（镕）", "打印机无法打印，朱镕基大楼三层。\n请尽快处理。"),
        ("gbk", "邮箱无法登录", "邮箱无法登录，提示密码错误。镕"),
        ("gb18030", "生僻字𠀀测试", "姓名含生僻字𠀀，系统显示为问号。"),
        ("big5", "香港辦公室網絡故障", "網絡斷咗㗎，唔該幫手睇下。"),
        ("utf8_base64", "VPN 连不上", "VPN 客户端报错 809，café ☕。"),
        ("utf8_qp", "显示器 黑屏", "显示器黑屏，电源灯闪烁。"),
        ("rfc2047_subject", "会议室投影仪 坏了 (3F)", "投影仪没有信号。"),
        ("broken_charset", "打印机卡纸", "打印机卡纸了，型号 HP 4250。"),
        ("raw_8bit_subject", "无线网络很慢", "会议室的无线网络很慢。"),
    ],
)
def test_every_charset_arrives_readable(name: str, subject: str, text: str) -> None:
    mail = read(name)
    assert mail.subject == subject
    assert mail.text == text


def test_gb2312_attachment_names_in_rfc_2231_keep_their_gbk_characters() -> None:
    mail = read("gb2312_attachment")
    assert [(a.name, a.content_type) for a in mail.attachments] == [
        ("截图.png", "image/png"),
        ("错误日志.txt", "text/plain"),
    ]
    assert mail.attachments[0].data.startswith(b"\x89PNG")
    assert mail.attachments[1].data.decode("gb18030") == "错误代码 0x8007 镕"


def test_a_utf8_rfc_2231_filename_split_over_continuations_is_joined() -> None:
    assert [a.name for a in read("rfc2231_filename").attachments] == ["季度报告（终版）.txt"]


def test_html_only_mail_becomes_text_without_scripts_or_styles() -> None:
    assert read("html_only").text == "第一行 & more\nsecond\nthird"


def test_headers_are_kept_in_order_and_decoded_for_admins() -> None:
    mail = read("gb2312_attachment")
    headers = dict(parse.headers(mail.message))
    assert headers["Subject"] == "打印机故障（镕）"
    assert headers["From"] == "Zhang Wei <req@acme.example>"


@pytest.mark.parametrize(
    ("name", "defect"),
    [
        ("malformed_boundary", "start boundary not found"),
        ("malformed_base64", "invalid base64 length"),
        ("garbage", "not an e-mail message"),
    ],
)
def test_malformed_mime_is_refused_with_the_damage_named(name: str, defect: str) -> None:
    with pytest.raises(parse.MalformedMail, match=defect):
        read(name)


def test_the_message_id_is_read_from_the_headers_alone() -> None:
    assert parse.message_id_of(eml("gbk")) == "<gbk-1@acme.example>"
    assert parse.message_id_of(eml("garbage")) == ""


# --- quoted history -------------------------------------------------------------------------


def test_outlook_chinese_reply_history_is_cut() -> None:
    mail = read("reply_outlook_zh", IN_REPLY_TO="<x@y>")
    assert quoting.new_text(mail.text) == "已经重启，还是不行。\n\n张伟"


def test_gmail_english_reply_history_is_cut() -> None:
    mail = read("reply_gmail_en", REFERENCE="INC-000001")
    assert quoting.new_text(mail.text) == "Still broken after the update."


@pytest.mark.parametrize(
    "text",
    [
        "新内容\n\n在 2026年3月2日 10:00，服务台 写道：\n旧内容",
        "新内容\n\n服务台 <desk@x.example> 于2026年3月2日周一 10:00写道：\n旧内容",
        "新内容\n-----Original Message-----\nFrom: x\n旧内容",
        "新内容\n------------------ 原始邮件 ------------------\n发件人: x\n旧内容",
        "新内容\nFrom: Desk <desk@x.example>\nSent: Monday\nTo: me\n旧内容",
        "新内容\n> 旧内容\n>> 更旧",
    ],
)
def test_reply_attributions_and_quotes_are_cut(text: str) -> None:
    assert quoting.new_text(text) == "新内容"


def test_text_without_history_is_kept_whole() -> None:
    text = "From my side: it works.\nOn reflection, thanks."
    assert quoting.new_text(text) == text


# --- senders (CVE-2023-27043) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ("alice@acme.example", "alice@acme.example"),
        ("Alice <Alice@Acme.Example>", "alice@acme.example"),
        ('"Wei, Zhang" <zw@acme.example>', "zw@acme.example"),
        ("=?utf-8?b?5byg5Lyf?= <zw@acme.example>", "zw@acme.example"),
    ],
)
def test_plain_senders_are_read(header: str, address: str) -> None:
    mail = read("plain", FROM=header, N="1")
    assert mail.sender is not None
    assert mail.sender.address == address


@pytest.mark.parametrize(
    "header",
    [
        "alice@example.com <bob@evil.com>",  # which one?
        '"alice@example.com" <bob@evil.com>',
        "alice@example.org)<bob@example.com>",  # parseaddr returns alice
        "bob@evil.com (alice@example.com)",
        "a@acme.example, b@acme.example",
        "team: a@acme.example;",
        "=?utf-8?b?PGFsaWNlQGV4YW1wbGUuY29tPg==?= <bob@evil.com>",  # "<alice@…>" encoded
        "alice",
        "alice@[127.0.0.1]",
        "alice@acme..example",
        "<>",
    ],
)
def test_ambiguous_or_invalid_senders_are_refused(header: str) -> None:
    mail = read("plain", FROM=header, N="1")
    assert mail.sender is None
    assert mail.sender_error


def test_two_from_headers_are_refused() -> None:
    raw = eml("plain", FROM="a@acme.example", N="1").replace(
        b"To:", b"From: b@acme.example\r\nTo:", 1
    )
    assert parse.parse(raw).sender is None


# --- automatic mail -------------------------------------------------------------------------


def automatic(name: str, **placeholders: str) -> str:
    mail = read(name, **placeholders)
    return loops.automatic_reason(
        mail.message,
        from_address=mail.from_address,
        own_addresses={"yunwei@localhost"},
        is_ours=lambda message_id: message_id == "<ours@yunwei>",
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("autoreply_auto_submitted", "Auto-Submitted: auto-replied"),
        ("autoreply_precedence", "Precedence: bulk"),
        ("autoreply_x_autoreply", "X-Autoreply header"),
        ("autoreply_exchange_zh", "X-Auto-Response-Suppress: All"),
        ("dsn_bounce", "delivery or read report"),
        ("looped", "from our own address yunwei@localhost"),
    ],
)
def test_automatic_mail_is_recognised(name: str, reason: str) -> None:
    assert automatic(name, IN_REPLY_TO="<x@y>", OUR_ID="<ours@yunwei>").startswith(reason)


def test_our_own_message_id_coming_back_is_a_loop() -> None:
    raw = eml("plain", FROM="someone@acme.example", N="1").replace(
        b"<plain-1@acme.example>", b"<ours@yunwei>"
    )
    mail = parse.parse(raw)
    reason = loops.automatic_reason(
        mail.message,
        from_address=mail.from_address,
        own_addresses=set(),
        is_ours=lambda message_id: message_id == "<ours@yunwei>",
    )
    assert reason == "our own message came back"


@pytest.mark.parametrize(
    ("header", "automatic_"),
    [
        ("Auto-Submitted: no", False),
        ("X-Auto-Response-Suppress: DR, RN, NRN", False),
        ("X-Auto-Response-Suppress: OOF, AutoReply", True),
        ("Return-Path: <>", True),
        ("Return-Path: <req@acme.example>", False),
        ("List-Id: <staff.acme.example>", True),
        ("Precedence: first-class", False),
    ],
)
def test_loop_headers_are_judged_by_value(header: str, automatic_: bool) -> None:
    raw = eml("plain", FROM="someone@acme.example", N="1").replace(
        b"To:", header.encode() + b"\r\nTo:", 1
    )
    mail = parse.parse(raw)
    reason = loops.automatic_reason(
        mail.message, from_address=mail.from_address, own_addresses=set(), is_ours=lambda _: False
    )
    assert bool(reason) is automatic_


def test_a_person_writing_is_not_automatic() -> None:
    assert automatic("gbk") == ""
