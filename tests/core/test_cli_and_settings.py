"""The `yunwei` command and the settings it runs with, exercised as a user would: in
subprocesses, against a fresh data directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

YUNWEI = [sys.executable, "-m", "yunwei.cli"]


def environment(data_dir: Path, **env: str) -> dict[str, str]:
    """The user's environment: none of the test run's YUNWEI_* settings."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("YUNWEI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return {
        **clean,
        "YUNWEI_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "yunwei.settings",
        **env,
    }


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*YUNWEI, *args],
        env=environment(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: Any) -> Path:
    path = tmp_path_factory.mktemp("yunwei-cli")
    result = run(["migrate", "--no-input", "-v", "0"], path)
    assert result.returncode == 0, result.stderr
    return path


def test_help_lists_every_verb() -> None:
    out = subprocess.run([*YUNWEI, "--help"], capture_output=True, text=True, check=True).stdout
    for verb in [
        "serve",
        "worker",
        "migrate",
        "demo",
        "user",
        "token",
        "audit",
        "tickets",
        "check",
    ]:
        assert f"  {verb} " in out


def test_first_run_creates_a_secret_key_and_an_audit_key_readable_only_by_the_owner(
    data_dir: Path,
) -> None:
    for name in ["secret.key", "audit.key"]:
        key = data_dir / name
        assert len(key.read_text().strip()) >= 50
        assert key.stat().st_mode & 0o077 == 0


def test_the_sqlite_database_runs_in_wal_mode(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "yunwei.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_demo_is_idempotent_and_prints_the_logins(data_dir: Path) -> None:
    first = run(["demo"], data_dir)
    second = run(["demo"], data_dir)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "admin@demo.yunwei.local" in first.stdout
    assert first.stdout == second.stdout


def test_user_create_and_token_create_print_what_a_script_needs(data_dir: Path) -> None:
    created = run(
        [
            "user",
            "create",
            "ops@example.com",
            "--name",
            "Ops",
            "--role",
            "agent",
            "--password",
            "Very-long-pass-99",
        ],
        data_dir,
    )
    assert created.returncode == 0, created.stderr
    token = run(["token", "create", "ops@example.com"], data_dir)
    assert token.returncode == 0
    assert token.stdout.startswith("yw_")
    assert len(token.stdout.strip().splitlines()) == 1


def test_user_create_refuses_bad_input_with_a_clear_error(data_dir: Path) -> None:
    duplicate = run(["user", "create", "ops2@example.com"], data_dir)
    again = run(["user", "create", "OPS2@example.com"], data_dir, YUNWEI_LANGUAGE="en")
    assert duplicate.returncode == 0
    assert again.returncode != 0
    assert "email: A user with this e-mail address already exists." in again.stderr
    bad_role = run(
        ["user", "create", "ops3@example.com", "--role", "wizard"], data_dir, YUNWEI_LANGUAGE="en"
    )
    assert "roles: Unknown role: wizard." in bad_role.stderr
    assert "Traceback" not in bad_role.stderr + again.stderr


def test_audit_verify_passes_on_a_fresh_database_and_fails_after_tampering(data_dir: Path) -> None:
    assert run(["demo"], data_dir).returncode == 0
    assert run(["audit", "verify"], data_dir).returncode == 0
    with sqlite3.connect(data_dir / "yunwei.sqlite3") as db:
        db.execute("DROP TRIGGER core_auditentry_no_update")
        bad_id = db.execute("SELECT id FROM core_auditentry WHERE seq = 2").fetchone()[0]
        db.execute("UPDATE core_auditentry SET object_repr = 'forged' WHERE seq = 2")
    result = run(["audit", "verify"], data_dir)
    assert result.returncode != 0
    assert f"entry id {bad_id} (seq 2)" in result.stderr


def test_concurrent_writers_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    assert run(["migrate", "--no-input", "-v", "0"], tmp_path).returncode == 0
    script = (
        "from yunwei.accounts import actions\n"
        "import os\n"
        "for i in range(15):\n"
        "    code = f'p{os.getpid()}-{i}'\n"
        "    actions.create_organization(actor=None, name=code, code=code)\n"
    )
    processes = [
        subprocess.Popen(
            [*YUNWEI, "shell", "-c", script],
            env=environment(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    with sqlite3.connect(tmp_path / "yunwei.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM accounts_organization").fetchone()[0] == 60
    assert run(["audit", "verify"], tmp_path).returncode == 0


def test_check_deploy_is_clean_with_hosts_and_https(data_dir: Path) -> None:
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        data_dir,
        YUNWEI_ALLOWED_HOSTS="desk.example.com",
        YUNWEI_HTTPS="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_attachments_go_to_an_s3_bucket_when_one_is_configured(data_dir: Path) -> None:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    local = subprocess.run(
        [sys.executable, "-c", script], env=environment(data_dir), capture_output=True, text=True
    )
    assert '"django.core.files.storage.FileSystemStorage"' in local.stdout, local.stderr
    bucket = subprocess.run(
        [sys.executable, "-c", script],
        env=environment(
            data_dir,
            YUNWEI_S3_BUCKET="desk-files",
            YUNWEI_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        ),
        capture_output=True,
        text=True,
    )
    assert '"storages.backends.s3.S3Storage"' in bucket.stdout, bucket.stderr
    assert '"bucket_name": "desk-files"' in bucket.stdout
    assert '"default_acl": "private"' in bucket.stdout


def test_tickets_reindex_rebuilds_the_search_index(data_dir: Path) -> None:
    result = run(["tickets", "reindex"], data_dir)
    assert result.returncode == 0, result.stderr
    assert "tickets indexed" in result.stdout
    missing = run(["tickets"], data_dir)
    assert missing.returncode != 0
