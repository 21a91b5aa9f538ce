"""Cutting the quoted history off a reply, so a comment holds only what is new.

A reply's history starts at the first attribution line: Gmail's "On … wrote:", the
Chinese "在 … 写道：" / "… 于 … 写道：", Outlook's "-----Original Message-----", its
header block ("From: … Sent: …", "发件人: … 发送时间: …"), QQ Mail's "原始邮件" rule.
Everything from there on goes, and so do ">"-quoted lines anywhere.
"""

from __future__ import annotations

import re

_CUT = [
    re.compile(r"^-{2,}\s*(Original Message|原始邮件|原始郵件|Forwarded message)\s*-{2,}", re.I),
    re.compile(r"^(在|于|於).{0,200}(写道|寫道)\s*[:：]\s*$"),
    re.compile(r"^.{0,200}\s(于|於)\s?.{0,100}(写道|寫道)\s*[:：]\s*$"),
    re.compile(r"^On\s.{0,300}\swrote:\s*$", re.I),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above its header block
]
# Outlook's header block: "From:"/"发件人:" followed within a few lines by a date line.
_HEADER_FROM = re.compile(r"^\*?(From|发件人|寄件者)\s*\*?\s*[:：]", re.I)
_HEADER_NEXT = re.compile(r"^\*?(Sent|Date|发送时间|日期|寄件日期|时间)\s*\*?\s*[:：]", re.I)
_WRAPPED_ON = re.compile(r"^On\s.{0,300}$", re.I)


def _is_cut(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if any(pattern.match(line) for pattern in _CUT):
        return True
    following = [ln.strip() for ln in lines[index + 1 : index + 4]]
    if _HEADER_FROM.match(line):
        return any(_HEADER_NEXT.match(ln) for ln in following)
    # Gmail wraps long attributions: "On Mon, 1 Jan 2024 at 10:00, Alice <" / "a@x> wrote:"
    return bool(_WRAPPED_ON.match(line) and following and following[0].endswith("wrote:"))


def new_text(text: str) -> str:
    """The part of a reply above its quoted history, without ">" lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _is_cut(lines, index):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
