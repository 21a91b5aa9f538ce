"""With YUNWEI_REDIS_URL every process shares one cache (docs/deployment.md). Runs against
the real Redis named by YUNWEI_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15); skipped
without it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.core.test_cli_and_settings import environment

REDIS_URL = os.environ.get("YUNWEI_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="YUNWEI_TEST_REDIS_URL is not set")


def in_process(code: str, data_dir: Path) -> str:
    script = f"import django; django.setup(); from django.core.cache import cache, caches; {code}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment(data_dir, YUNWEI_REDIS_URL=REDIS_URL),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_value_cached_by_one_process_is_read_by_another(tmp_path: Path) -> None:
    key = f"yunwei-test-{uuid.uuid4().hex}"
    in_process(f"cache.set({key!r}, '运维', 60)", tmp_path)
    try:
        assert in_process(f"print(cache.get({key!r}))", tmp_path) == "运维"
        assert in_process("print(type(caches['default']).__name__)", tmp_path) == "RedisCache"
    finally:
        in_process(f"cache.delete({key!r})", tmp_path)
