"""Absolute links for messages that leave the site (e-mail, webhooks, chat robots)."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` ("/tickets/12/") under YUNWEI_SITE_URL."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
