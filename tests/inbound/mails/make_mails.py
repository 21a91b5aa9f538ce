"""Writes the .eml fixtures of tests/inbound with exact bytes (run it to rebuild them:
`python tests/inbound/mails/make_mails.py`). Hand-built on purpose: real mailers' quirks
— gb2312 labels on GBK text, encoded-words split inside a character, raw 8-bit headers —
are what the tests need, and the stdlib's generator would tidy them away.

Placeholders filled in by the tests: {IN_REPLY_TO} (one of our Message-IDs),
{OUR_ID} (an id we made), {FROM} (a sender header).
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent
CRLF = b"\r\n"
# A 1x1 PNG: a real image, so the attachment's content check accepts it.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def word(text: str, charset: str, codec: str | None = None) -> bytes:
    return (
        b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(codec or charset)) + b"?="
    )


def mail(headers: list[bytes], body: bytes) -> bytes:
    return CRLF.join(headers) + CRLF + CRLF + body


def common(message_id: str, sender: bytes = b"Zhang Wei <req@acme.example>") -> list[bytes]:
    return [
        b"From: " + sender,
        b"To: Service desk <desk@provider.example>",
        b"Date: Mon, 02 Mar 2026 09:15:00 +0800",
        b"Message-ID: <" + message_id.encode() + b">",
        b"MIME-Version: 1.0",
    ]


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def build() -> None:
    # GB2312-labelled, with 镕 (GBK only) in subject and body, and a PNG and a text file
    # whose names are RFC 2231-encoded in gb2312.
    body_text = "打印机无法打印，朱镕基大楼三层。\r\n请尽快处理。\r\n"
    png_name = quote("截图.png".encode("gb18030"))
    log_name = quote("错误日志.txt".encode("gb18030"))
    write(
        "gb2312_attachment.eml",
        mail(
            [
                *common("gb2312-1@acme.example"),
                b"Subject: " + word("打印机故障（镕）", "gb2312", "gb18030"),
                b'Content-Type: multipart/mixed; boundary="==b1=="',
            ],
            b"--==b1==" + CRLF
            + b'Content-Type: text/plain; charset="gb2312"' + CRLF
            + b"Content-Transfer-Encoding: base64" + CRLF + CRLF
            + b64(body_text.encode("gb18030"))
            + b"--==b1==" + CRLF
            + b"Content-Type: image/png" + CRLF
            + b"Content-Transfer-Encoding: base64" + CRLF
            + b"Content-Disposition: attachment; filename*=gb2312''" + png_name.encode() + CRLF
            + CRLF + b64(PNG)
            + b"--==b1==" + CRLF
            + b"Content-Type: text/plain; charset=gb2312" + CRLF
            + b"Content-Transfer-Encoding: 8bit" + CRLF
            + b"Content-Disposition: attachment;" + CRLF
            + b" filename*0*=gb2312''" + log_name[:12].encode() + b";" + CRLF
            + b" filename*1*=" + log_name[12:].encode() + CRLF + CRLF
            + "错误代码 0x8007 镕\r\n".encode("gb18030")
            + b"--==b1==--" + CRLF,
        ),
    )  # fmt: skip
    write(
        "gbk.eml",
        mail(
            [
                *common("gbk-1@acme.example"),
                b"Subject: " + word("邮箱无法登录", "gbk"),
                b"Content-Type: text/plain; charset=GBK",
                b"Content-Transfer-Encoding: quoted-printable",
            ],
            quopri.encodestring("邮箱无法登录，提示密码错误。镕\r\n".encode("gbk")),
        ),
    )
    write(
        "gb18030.eml",
        mail(
            [
                *common("gb18030-1@acme.example"),
                b"Subject: " + word("生僻字𠀀测试", "gb18030"),
                b"Content-Type: text/plain; charset=gb18030",
                b"Content-Transfer-Encoding: base64",
            ],
            b64("姓名含生僻字𠀀，系统显示为问号。\r\n".encode("gb18030")),
        ),
    )
    write(
        "big5.eml",
        mail(
            [
                *common("big5-1@acme.example"),
                b"Subject: " + word("香港辦公室網絡故障", "big5"),
                b"Content-Type: text/plain; charset=big5",
                b"Content-Transfer-Encoding: 8bit",
            ],
            "網絡斷咗㗎，唔該幫手睇下。\r\n".encode("big5hkscs"),
        ),
    )
    write(
        "utf8_base64.eml",
        mail(
            [
                *common("utf8-b64-1@acme.example"),
                b"Subject: =?UTF-8?B?" + base64.b64encode("VPN 连不上".encode()) + b"?=",
                b"Content-Type: text/plain; charset=utf-8",
                b"Content-Transfer-Encoding: base64",
            ],
            b64("VPN 客户端报错 809，café ☕。\r\n".encode()),
        ),
    )
    write(
        "utf8_qp.eml",
        mail(
            [
                *common("utf8-qp-1@acme.example"),
                b"Subject: =?utf-8?Q?=E6=98=BE=E7=A4=BA=E5=99=A8_=E9=BB=91=E5=B1=8F?=",
                b"Content-Type: text/plain; charset=utf-8",
                b"Content-Transfer-Encoding: quoted-printable",
            ],
            quopri.encodestring("显示器黑屏，电源灯闪烁。\r\n".encode()),
        ),
    )
    # One character split across two encoded-words, then Q and B words mixed.
    split = "会议室投影仪".encode("gb18030")
    write(
        "rfc2047_subject.eml",
        mail(
            [
                *common("rfc2047-1@acme.example"),
                b"Subject: =?gb2312?B?" + base64.b64encode(split[:5]) + b"?=" + CRLF
                + b" =?gb2312?B?" + base64.b64encode(split[5:]) + b"?="
                + b" =?utf-8?Q?_=E5=9D=8F=E4=BA=86?= (3F)",
                b"Content-Type: text/plain; charset=utf-8",
            ],
            "投影仪没有信号。\r\n".encode(),
        ),
    )  # fmt: skip
    write(
        "broken_charset.eml",
        mail(
            [
                *common("broken-charset-1@acme.example"),
                b"Subject: =?x-klingon?B?" + base64.b64encode("打印机卡纸".encode()) + b"?=",
                b'Content-Type: text/plain; charset="us-ascii"',
                b"Content-Transfer-Encoding: 8bit",
            ],
            "打印机卡纸了，型号 HP 4250。\r\n".encode("gb18030"),
        ),
    )
    write(
        "raw_8bit_subject.eml",
        mail(
            [
                *common("raw-8bit-1@acme.example"),
                b"Subject: " + "无线网络很慢".encode("gbk"),
                b"Content-Type: text/plain",
            ],
            "会议室的无线网络很慢。\r\n".encode("gbk"),
        ),
    )
    utf8_name = quote("季度报告（终版）.txt".encode())
    write(
        "rfc2231_filename.eml",
        mail(
            [
                *common("rfc2231-1@acme.example"),
                b"Subject: report attached",
                b'Content-Type: multipart/mixed; boundary="b2"',
            ],
            b"--b2" + CRLF + b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF
            + "见附件。\r\n".encode()
            + b"--b2" + CRLF + b"Content-Type: text/plain; charset=utf-8" + CRLF
            + b"Content-Disposition: attachment;" + CRLF
            + b" filename*0*=utf-8''" + utf8_name[:18].encode() + b";" + CRLF
            + b" filename*1*=" + utf8_name[18:].encode() + CRLF + CRLF
            + "第一季度。\r\n".encode()
            + b"--b2--" + CRLF,
        ),
    )  # fmt: skip
    write(
        "html_only.eml",
        mail(
            [
                *common("html-1@acme.example"),
                b"Subject: HTML only",
                b"Content-Type: text/html; charset=utf-8",
            ],
            "<html><head><title>x</title><style>p{color:red}</style></head><body>"
            "<p>第一行 &amp; more</p><script>alert('pwned')</script>"
            "<div>second<br>third</div><img src=x onerror=alert(1)></body></html>\r\n".encode(),
        ),
    )
    write(
        "reply_outlook_zh.eml",
        mail(
            [
                *common("reply-outlook-1@acme.example"),
                b"Subject: " + word("回复: 打印机故障", "gb2312", "gb18030"),
                b"In-Reply-To: {IN_REPLY_TO}",
                b"References: {IN_REPLY_TO}",
                b"Content-Type: text/plain; charset=gb2312",
                b"Content-Transfer-Encoding: 8bit",
            ],
            (
                "已经重启，还是不行。\r\n\r\n张伟\r\n\r\n"
                "________________________________\r\n"
                "发件人: 服务台 <desk@provider.example>\r\n"
                "发送时间: 2026年3月2日 10:00\r\n"
                "收件人: 张伟\r\n主题: 打印机故障\r\n\r\n请重启打印机后再试。\r\n"
            ).encode("gb18030"),
        ),
    )
    write(
        "reply_gmail_en.eml",
        mail(
            [
                *common("reply-gmail-1@acme.example"),
                b"Subject: Re: [{REFERENCE}] VPN",
                b"Content-Type: text/plain; charset=UTF-8",
            ],
            b"Still broken after the update.\r\n\r\n"
            b"On Mon, 2 Mar 2026 at 10:00, Service desk <desk@provider.example>\r\n"
            b"wrote:\r\n\r\n> Please install the update.\r\n> Thanks\r\n",
        ),
    )
    autos = {
        "autoreply_auto_submitted.eml": [b"Auto-Submitted: auto-replied", b"Subject: Re: out"],
        "autoreply_precedence.eml": [b"Precedence: bulk", b"Subject: newsletter"],
        "autoreply_x_autoreply.eml": [b"X-Autoreply: yes", b"Subject: I am away"],
        "autoreply_exchange_zh.eml": [
            b"X-Auto-Response-Suppress: All",
            b"Subject: " + word("自动回复: 打印机故障", "gb2312", "gb18030"),
            b"Thread-Topic: " + word("打印机故障", "gb2312", "gb18030"),
        ],
    }
    for index, (name, extra) in enumerate(autos.items()):
        write(
            name,
            mail(
                [
                    *common(f"auto-{index}@acme.example"),
                    *extra,
                    b"In-Reply-To: {IN_REPLY_TO}",
                    b"Content-Type: text/plain; charset=gb2312",
                    b"Content-Transfer-Encoding: 8bit",
                ],
                "我正在休假，3月9日回来。\r\n".encode("gb18030"),
            ),
        )
    write(
        "dsn_bounce.eml",
        mail(
            [
                *common(
                    "dsn-1@mx.acme.example",
                    b"Mail Delivery System <MAILER-DAEMON@mx.acme.example>",
                ),
                b"Subject: Undelivered Mail Returned to Sender",
                b'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"',
            ],
            b"--r1" + CRLF + b"Content-Type: text/plain" + CRLF + CRLF
            + b"I'm sorry to have to inform you that your message could not be delivered." + CRLF
            + b"--r1" + CRLF + b"Content-Type: message/delivery-status" + CRLF + CRLF
            + b"Reporting-MTA: dns; mx.acme.example" + CRLF + CRLF
            + b"Final-Recipient: rfc822; gone@acme.example" + CRLF + b"Action: failed" + CRLF
            + b"Status: 5.1.1" + CRLF
            + b"--r1--" + CRLF,
        ),
    )  # fmt: skip
    write(
        "looped.eml",
        mail(
            [
                b"From: Yunwei <yunwei@localhost>",
                b"To: req@acme.example",
                b"Date: Mon, 02 Mar 2026 09:15:00 +0800",
                b"Message-ID: {OUR_ID}",
                b"Subject: [INC-000001] updated",
                b"Content-Type: text/plain; charset=utf-8",
            ],
            b"Your ticket was updated.\r\n",
        ),
    )
    write(
        "malformed_boundary.eml",
        mail(
            [
                *common("bad-boundary-1@acme.example"),
                b"Subject: bad boundary",
                b'Content-Type: multipart/mixed; boundary="declared"',
            ],
            b"--other" + CRLF + b"Content-Type: text/plain" + CRLF + CRLF + b"lost" + CRLF
            + b"--other--" + CRLF,
        ),
    )  # fmt: skip
    write(
        "malformed_base64.eml",
        mail(
            [
                *common("bad-base64-1@acme.example"),
                b"Subject: truncated base64",
                b"Content-Type: text/plain; charset=utf-8",
                b"Content-Transfer-Encoding: base64",
            ],
            b64("这封邮件在传输中被截断了".encode())[:-5] + CRLF,
        ),
    )
    write("garbage.eml", bytes(range(256)) * 4 + b"\x00\xff not a mail at all")
    write(
        "plain.eml",
        mail(
            [
                b"From: {FROM}",
                b"To: desk@provider.example",
                b"Date: Mon, 02 Mar 2026 09:15:00 +0800",
                b"Message-ID: <plain-{N}@acme.example>",
                b"Subject: a plain request",
                b"Content-Type: text/plain; charset=utf-8",
            ],
            b"Please help.\r\n",
        ),
    )


if __name__ == "__main__":
    build()
