"""Widgets for choices among many (organizations, people): the page carries only the
chosen values, the rest is found by typing. The form field stays a ModelChoiceField (or
ModelMultipleChoiceField), so validation is unchanged; the widget never iterates the
field's queryset, it reads only the rows of the chosen values."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import reverse

MAX_KEY = 2**63  # beyond a 64-bit primary key: not a row, never sent to the database
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() also takes "²"


def is_key(value: str) -> bool:
    """Whether `value` can be a primary key: 1 to 2**63 - 1, in ASCII digits."""
    return bool(_DIGITS.fullmatch(value)) and 0 < int(value) < MAX_KEY


class Autocomplete(forms.Widget):
    """One choice: a select holding only the chosen option (and the empty one), which is
    what a browser without JavaScript submits, plus a search box (autocomplete.js) whose
    matches htmx fetches from the `autocomplete` view's `source`, with `params` added to
    narrow it (e.g. one organization's people)."""

    template_name = "core/widgets/_autocomplete.html"
    allow_multiple_selected = False

    def __init__(
        self,
        source: str,
        *,
        params: dict[str, Any] | None = None,
        placeholder: Any = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.source = source
        self.params = params or {}
        self.placeholder = placeholder
        self.choices: Any = []  # set by the ModelChoiceField: its iterator, never iterated

    def __deepcopy__(self, memo: dict[int, Any]) -> Autocomplete:
        copy = super().__deepcopy__(memo)
        copy.params = dict(self.params)
        return copy

    @property
    def url(self) -> str:
        url = reverse("autocomplete", kwargs={"source": self.source})
        return f"{url}?{urlencode(self.params)}" if self.params else url

    def format_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v) for v in values if v not in (None, "")]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.allow_multiple_selected:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        # An emptied multiple choice submits nothing, yet it was answered.
        return False if self.allow_multiple_selected else name not in data

    def chosen(self, values: list[str]) -> list[tuple[str, str]]:
        """(value, label) of the chosen rows the field's queryset holds, in the order
        given; unknown or invisible ids are left out (the field reports them)."""
        keys = [v for v in values if is_key(v)]
        field = getattr(self.choices, "field", None)
        if not keys or field is None:
            return []
        key = field.to_field_name or "pk"
        rows = {
            str(getattr(row, key)): row for row in field.queryset.filter(**{f"{key}__in": keys})
        }
        return [(k, field.label_from_instance(rows[k])) for k in keys if k in rows]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        field = getattr(self.choices, "field", None)
        empty_label = getattr(field, "empty_label", None)
        widget.update(
            {
                "chosen": self.chosen(widget["value"]),
                "url": self.url,
                "multiple": self.allow_multiple_selected,
                "placeholder": self.placeholder,
                "empty_label": self.placeholder or empty_label or "---------",
            }
        )
        return context


class AutocompleteMultiple(Autocomplete):
    """Several choices: each chosen one is a ticked checkbox (untick to remove it, with or
    without JavaScript); the search box adds more."""

    allow_multiple_selected = True
