"""What an uploaded file really is: its type is read from its content (puremagic), and
the name's extension must agree — a `.pdf` that is a Windows program, or a `.png` that
is a JPEG, is refused. Files with no signature (plain text, CSV…) are accepted only
under a text extension and when they decode as text."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

TEXT_EXTENSIONS = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv",
                   ".md": "text/plain", ".json": "application/json", ".xml": "application/xml",
                   ".eml": "message/rfc822"}  # fmt: skip
HEAD_BYTES = 8192


@dataclass(frozen=True)
class Inspected:
    name: str
    size: int
    content_type: str
    sha256: str


def _clean_name(name: str) -> str:
    # Keep the last path component only, without control characters.
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if not base or base in {".", ".."}:
        raise ValidationError({"file": _("The file needs a name.")})
    return base[:255]


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            # The head may cut a multi-byte character at its end.
            try:
                data[:-3].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def detect_type(name: str, head: bytes) -> str:
    """The content type of a file named `name` starting with `head`, or ValidationError."""
    extension = PurePath(name).suffix.lower()
    try:
        matches = puremagic.magic_string(head, filename=None) if head else []
    except puremagic.PureError:
        matches = []
    if matches:
        found = {m.extension.lower(): m.mime_type for m in matches}
        if extension == ".jpg" and ".jpeg" in found:
            extension = ".jpeg"
        if extension not in found:
            seen = matches[0].mime_type or matches[0].extension
            raise ValidationError(
                {
                    "file": _(
                        "The file's content is %(found)s, which does not match its name %(name)s."
                    )
                    % {"found": seen, "name": name}
                }
            )
        content_type = found[extension] or mimetypes.guess_type(name)[0] or ""
    elif extension in TEXT_EXTENSIONS and _is_text(head):
        content_type = TEXT_EXTENSIONS[extension]
    else:
        raise ValidationError(
            {"file": _("The type of %(name)s could not be recognised.") % {"name": name}}
        )
    if content_type not in settings.ATTACHMENT_TYPES:
        raise ValidationError(
            {"file": _("Files of type %(type)s are not accepted.") % {"type": content_type}}
        )
    return content_type


def inspect(name: str, stream: IO[bytes], size: int | None = None) -> Inspected:
    """Checks an upload's size, type and name; returns what to store. The stream is left
    at its start."""
    name = _clean_name(name)
    limit = settings.ATTACHMENT_MAX_BYTES
    digest = hashlib.sha256()
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    total = len(head)
    digest.update(head)
    while chunk := stream.read(1024 * 1024):
        total += len(chunk)
        if total > limit:
            break
        digest.update(chunk)
    stream.seek(0)
    if total > limit:
        message = _("%(name)s is larger than the limit of %(limit)s.") % {
            "name": name,
            "limit": filesizeformat(limit),
        }
        raise ValidationError({"file": ValidationError(message, code="too_large")})
    if total == 0:
        raise ValidationError({"file": _("%(name)s is empty.") % {"name": name}})
    return Inspected(name, total, detect_type(name, head), digest.hexdigest())
