"""Custom fields per category: the category declares them (a list in `Category.fields`),
a ticket's values are one JSON object checked against that declaration.

A declaration: `{"name": "asset_tag", "label_zh": "资产编号", "label_en": "Asset tag",
"type": "text" | "number" | "date" | "choice" | "boolean", "required": bool,
"choices": [...]}` (choices only for `choice`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yunwei.tickets.models import FieldType

NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_TEXT = 2000
MAX_NUMBER = 10**15  # beyond what JSON and the databases keep exactly


def validate_declarations(fields: Any) -> list[dict[str, Any]]:
    """Checks a category's field list; returns it normalised."""
    if not isinstance(fields, list):
        raise ValidationError({"fields": _("Give a list of field declarations.")})
    seen: set[str] = set()
    clean = []
    for position, field in enumerate(fields, start=1):
        where = _("Field %(n)s: ") % {"n": position}
        if not isinstance(field, dict):
            raise ValidationError({"fields": where + _("give an object.")})
        name = field.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise ValidationError(
                {"fields": where + _("the name must be lowercase letters, digits and _.")}
            )
        if name in seen:
            raise ValidationError(
                {"fields": where + _("the name %(name)s is used twice.") % {"name": name}}
            )
        seen.add(name)
        kind = field.get("type")
        if kind not in FieldType.values:
            raise ValidationError({"fields": where + _("unknown type %(type)s.") % {"type": kind}})
        choices = field.get("choices") or []
        if kind == FieldType.CHOICE and (
            not isinstance(choices, list)
            or not choices
            or not all(isinstance(c, str) for c in choices)
        ):
            raise ValidationError({"fields": where + _("a choice field needs a list of choices.")})
        clean.append(
            {
                "name": name,
                "label_zh": str(field.get("label_zh") or ""),
                "label_en": str(field.get("label_en") or ""),
                "type": kind,
                "required": bool(field.get("required", False)),
                **({"choices": choices} if kind == FieldType.CHOICE else {}),
            }
        )
    return clean


def _value(field: dict[str, Any], value: Any) -> Any:
    kind = field["type"]
    if kind == FieldType.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise ValueError(_("give text of at most %(n)s characters") % {"n": MAX_TEXT})
        return value
    if kind == FieldType.NUMBER:
        number: Any = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str):
            try:
                number = int(value) if value.strip().lstrip("+-").isdigit() else float(value)
            except ValueError:
                number = None
        if number is None or not math.isfinite(number) or abs(number) > MAX_NUMBER:
            raise ValueError(_("give a number"))
        return number
    if kind == FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("give a date as YYYY-MM-DD")) from None
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if value in ("true", "false", "on", "1", "0"):
            return value in ("true", "on", "1")
        raise ValueError(_("give true or false"))
    if value not in field.get("choices", []):
        raise ValueError(
            _("choose one of: %(choices)s") % {"choices": ", ".join(field.get("choices", []))}
        )
    return value


def validate_values(declarations: list[dict[str, Any]], values: Any) -> dict[str, Any]:
    """A ticket's custom field values against its category's declarations: unknown names,
    wrong types and missing required values are refused, each error naming the field."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ValidationError({"custom_fields": _("Give an object of field values.")})
    known = {field["name"]: field for field in declarations}
    errors = []
    unknown = sorted(set(values) - set(known))
    if unknown:
        errors.append(_("Unknown field: %(names)s.") % {"names": ", ".join(unknown)})
    clean: dict[str, Any] = {}
    for name, field in known.items():
        value = values.get(name)
        if value in (None, ""):
            if field["required"]:
                errors.append(_("%(name)s: required.") % {"name": name})
            continue
        try:
            clean[name] = _value(field, value)
        except ValueError as error:
            errors.append(f"{name}: {error}.")
    if errors:
        raise ValidationError({"custom_fields": " ".join(errors)})
    return clean
