"""Turning the bytes of Chinese and other mail into text.

Real mail lies about its charset: "gb2312" mail carries GBK characters, "big5" mail
carries Hong Kong characters, and some carries no label or a wrong one. Labels are
widened to their supersets, and undecodable text is retried with the usual suspects
before falling back to latin-1 (which cannot fail) with replacement characters.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

# Labels whose real-world content is a superset: decode with the superset.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "ks_c_5601-1987": "cp949",
    "big5": "big5",  # tried as labelled, then as big5hkscs below
}
GUESSES = ("utf-8", "gb18030", "big5hkscs")
# Longer header values are cut before decoding: no subject or name needs more, and a
# crafted megabyte header must not cost time.
HEADER_MAX = 16 * 1024
_SPACE = re.compile(r"\s+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, widened to its superset; None when
    the label is missing or unknown."""
    name = (label or "").strip().strip("\"'").lower()
    if not name:
        return None
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def without_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters; no person's mail needs one."""
    return text.replace("\x00", "")


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text from `data` labelled `label`: the label (widened) if it decodes cleanly,
    else UTF-8, GB18030, Big5-HKSCS, else latin-1 (never fails). Without NULs."""
    return without_nul(_decode(data, label))


def _decode(data: bytes, label: str | None) -> str:
    candidates: list[str] = []
    codec = codec_for(label)
    if codec:
        candidates.append(codec)
        if codec == "big5":
            candidates.append("big5hkscs")
    candidates += [guess for guess in GUESSES if guess not in candidates]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec or "latin-1", errors="replace")


def decode_header_value(value: str) -> str:
    """A header's text: raw 8-bit bytes (which the parser keeps as surrogate escapes)
    are decoded by guessing, RFC 2047 encoded-words by their (widened) charset. Folding
    becomes one space; NULs go."""
    value = value[:HEADER_MAX]
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    parts: list[str] = []
    run: list[bytes] = []
    run_charset: str | None = None
    end, after_word = 0, False

    def flush() -> None:
        if run:
            parts.append(decode_bytes(b"".join(run), run_charset))
            run.clear()

    for match in _ENCODED_WORD.finditer(value):
        between = value[end : match.start()]
        end = match.end()
        charset, data = _word_bytes(match)
        if data is None:  # broken: shown as it came
            flush()
            parts += [between, match.group()]
            after_word = False
            continue
        if after_word and not between.strip():
            between = ""  # space between encoded-words is not text (RFC 2047, 6.2)
        if between or charset != run_charset:
            flush()
        parts.append(between)
        # Adjacent words of one charset are joined as bytes: encoders split a multi-byte
        # character across two words.
        run.append(data)
        run_charset, after_word = charset, True
    flush()
    parts.append(value[end:])
    # One pass over whitespace runs (a pattern like \s*\n\s* is quadratic on long ones).
    unfolded = _SPACE.sub(lambda run: " " if "\n" in run.group() else run.group(), "".join(parts))
    return without_nul(unfolded).strip()


def _word_bytes(match: re.Match[str]) -> tuple[str, bytes | None]:
    charset, encoding, text = match.group(1), match.group(2).lower(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding == "b":
            return charset, base64.b64decode(text + "=" * (-len(text) % 4))
        return charset, binascii.a2b_qp(text.encode("ascii"), header=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return charset, None
