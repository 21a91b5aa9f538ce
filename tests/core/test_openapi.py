"""The API's OpenAPI document is reviewed like code: a change to the API that is not
reflected in docs/api/openapi.json fails here (`make openapi` regenerates it)."""

from __future__ import annotations

import json
from pathlib import Path

from yunwei.api.urls import api

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def render() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_openapi_document_matches_the_reviewed_copy() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "API changed: run `make openapi` and review"
    )
