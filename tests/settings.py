"""Test settings: the real settings, on a throw-away data directory; PostgreSQL when
YUNWEI_TEST_DATABASE_URL is set, SQLite otherwise."""

import os
import tempfile

os.environ.setdefault("YUNWEI_DATA_DIR", tempfile.mkdtemp(prefix="yunwei-test-"))
os.environ.setdefault("YUNWEI_AUDIT_KEY", "test-audit-key")
os.environ.setdefault("YUNWEI_SECRET_KEY", "test-secret-key-" + "x" * 40)

import dj_database_url

from yunwei.settings import *  # noqa: F403
from yunwei.settings import DATABASES, STORAGES

if os.environ.get("YUNWEI_TEST_DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["YUNWEI_TEST_DATABASE_URL"])
    AUDIT_SEAL_INLINE = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
AUDIT_ANCHOR_FILE = ""  # one anchor per test would outlive the rolled-back chains
