"""Forms of the service desk settings (categories and their custom fields, the priority
matrix, canned responses, assignment rules) and the satisfaction report's filter.

They turn what the pages show (a row per custom field, choices as comma-separated text,
a 3 × 3 grid) into what the configuration actions take, call the actions, and show the
actions' validation errors on the fields they concern."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.forms import ActionFormMixin
from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.catalog.querysets import display_name_order
from yunwei.sla.models import Priority
from yunwei.tickets import actions, custom_fields
from yunwei.tickets.actions.config import CANNED_FIELDS, RULE_FIELDS
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    FieldType,
    Level,
    TicketType,
)
from yunwei.tickets.priority import DEFAULT_MATRIX, matrix

# Commas (also Chinese ones), enumeration commas, semicolons and line breaks.
_CHOICE_SEPARATORS = re.compile(r"[,\uff0c\u3001;\uff1b\n]+")
MAX_CUSTOM_FIELDS = 50


class ConfigActionForm(ActionFormMixin):
    """Calls an action; the keys of its ValidationError ("parent", "ticket_types"…) are
    put on the form's fields of those names, the rest on the form itself."""

    def route_error(self, key: str, messages: list[str]) -> None:
        field = key if key in self.fields else None  # type: ignore[attr-defined]
        for message in messages:
            self.add_error(field, message)  # type: ignore[attr-defined]

    def save_with(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)  # type: ignore[attr-defined]
                return None
            for key, messages in error.message_dict.items():
                self.route_error(key, messages)
            return None


class TablerBoundField(BoundField):
    """An input with errors gets Tabler's `is-invalid` next to its own classes (for
    inputs rendered in a grid, without `core/partials/_field.html`)."""

    def build_widget_attrs(self, attrs: Any, widget: Any = None) -> Any:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.form.is_bound and self.errors:
            classes = attrs.get("class") or (widget or self.field.widget).attrs.get("class", "")
            attrs["class"] = f"{classes} is-invalid".strip()
        return attrs


def _tabler_classes(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


# --- the category tree -------------------------------------------------------------------


def category_tree(categories: Iterable[Category]) -> list[tuple[Category, int]]:
    """The categories in tree order (each parent before its children, siblings by name),
    with their depth. One pass over categories already fetched: no query per level."""
    categories = list(categories)
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    for siblings in children.values():
        siblings.sort(key=lambda category: (category.display_name.casefold(), category.pk))
    ordered: list[tuple[Category, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            if category.pk in seen:
                continue
            seen.add(category.pk)
            ordered.append((category, depth))
            walk(category.pk, depth + 1)

    walk(None, 0)
    # Those whose parent is not among `categories` (a subset was given) go to the top.
    for category in categories:
        if category.pk not in seen:
            seen.add(category.pk)
            ordered.append((category, 0))
            walk(category.pk, 1)
    return ordered


def tree_choices(categories: Iterable[Category], empty_label: str) -> list[tuple[Any, str]]:
    return [("", empty_label)] + [
        (category.pk, "— " * depth + category.display_name)
        for category, depth in category_tree(categories)
    ]


# --- categories and their custom fields ---------------------------------------------------


def split_choices(text: str) -> list[str]:
    """ "VPN, 邮箱，打印机" -> ["VPN", "邮箱", "打印机"]."""
    choices: list[str] = []
    for piece in _CHOICE_SEPARATORS.split(text or ""):
        piece = piece.strip()
        if piece and piece not in choices:
            choices.append(piece)
    return choices


class CustomFieldForm(forms.Form):
    """One declared custom field. A row left empty declares nothing."""

    bound_field_class = TablerBoundField

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"spellcheck": "false", "placeholder": "asset_tag"}),
    )
    label_zh = forms.CharField(label=_("Chinese label"), required=False, max_length=100)
    label_en = forms.CharField(label=_("English label"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("VPN, e-mail, printer")}),
    )

    widths = {"name": 9, "label_zh": 8, "label_en": 8, "type": 8, "choices": 12}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tabler_classes(self)
        for name, rem in self.widths.items():
            self.fields[name].widget.attrs["style"] = f"min-width: {rem}rem"

    def declaration(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("DELETE"):
            return None
        typed = ("name", "label_zh", "label_en", "choices")
        if not any((data.get(key) or "").strip() for key in typed):
            return None
        return {
            "name": data["name"].strip(),
            "label_zh": data["label_zh"].strip(),
            "label_en": data["label_en"].strip(),
            "type": data["type"],
            "required": bool(data["required"]),
            "choices": split_choices(data["choices"]),
        }

    def field_for(self, message: str) -> str | None:
        """Which input a message of `custom_fields.validate_declarations` is about."""
        name = (self.cleaned_data.get("name") or "").strip()
        kind = self.cleaned_data.get("type")
        if message in (
            gettext("the name must be lowercase letters, digits and _."),
            gettext("the name %(name)s is used twice.") % {"name": name},
        ):
            return "name"
        if message == gettext("unknown type %(type)s.") % {"type": kind}:
            return "type"
        if message == gettext("a choice field needs a list of choices."):
            return "choices"
        return None


class BaseCustomFieldFormSet(forms.BaseFormSet):
    """The rows of the custom-fields editor; `declarations()` is the JSON list the
    category stores. Each row is checked on its own by the same validator the action
    uses, so that every faulty row is shown at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.declared: list[tuple[CustomFieldForm, dict[str, Any]]] = []
        self.checking = True  # False while rows are being added: no errors yet

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> None:
        self.declared = []
        if any(self.errors) or not self.checking:
            return
        for form in self.forms:
            declaration = form.declaration()
            if declaration is None:
                continue
            try:
                custom_fields.validate_declarations([declaration])
            except ValidationError as error:
                for message in error.message_dict.get("fields", error.messages):
                    self.put_error([form], message)
            self.declared.append((form, declaration))

    def declarations(self) -> list[dict[str, Any]]:
        return [declaration for _form, declaration in self.declared]

    def put_error(self, rows: list[CustomFieldForm], message: str) -> bool:
        """Shows a validator message ("Field 2: the name … is used twice.") on the row of
        `rows` at the position it names, without the position. False if none matches."""
        for position, form in enumerate(rows, start=1):
            prefix = gettext("Field %(n)s: ") % {"n": position}
            if message.startswith(prefix):
                text = message[len(prefix) :]
                form.add_error(form.field_for(text), text)
                return True
        return False

    def route_action_error(self, message: str) -> bool:
        return self.put_error([form for form, _declaration in self.declared], message)


CustomFieldFormSet = forms.formset_factory(
    CustomFieldForm,
    formset=BaseCustomFieldFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CUSTOM_FIELDS,
    validate_max=True,
)


class CategoryForm(ConfigActionForm, forms.ModelForm):
    ticket_types = forms.MultipleChoiceField(
        label=_("Ticket types"),
        choices=TicketType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for a category of every type."),
    )
    fields_prefix = "cf"

    class Meta:
        model = Category
        fields = ["parent", "name_zh", "name_en", "ticket_types", "services", "is_active"]
        widgets = {"services": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(
        self, data: Any = None, *args: Any, actor: User, add_field: bool = False, **kwargs: Any
    ) -> None:
        if data is not None and add_field:
            data = _with_one_more_row(data, self.fields_prefix)
        super().__init__(data, *args, actor=actor, **kwargs)
        categories = Category.objects.visible_to(actor).select_related("parent")
        if self.instance.pk:
            categories = categories.exclude(pk=self.instance.pk)
        parent = self.fields["parent"]
        parent.queryset = categories  # type: ignore[attr-defined]
        parent.choices = tree_choices(categories, gettext("(top level)"))  # type: ignore[attr-defined]
        parent.help_text = _("A category cannot sit under itself or one of its subcategories.")
        services = self.fields["services"]
        services.queryset = Service.objects.visible_to(actor).order_by(display_name_order())  # type: ignore[attr-defined]
        services.help_text = _(
            "Offered only for tickets of the services chosen; choose none for every service."
        )
        declared = list(self.instance.fields or []) if self.instance.pk else []
        self.custom_fields: BaseCustomFieldFormSet = CustomFieldFormSet(  # type: ignore[assignment]
            data,
            prefix=self.fields_prefix,
            initial=[
                {
                    "name": field.get("name", ""),
                    "label_zh": field.get("label_zh", ""),
                    "label_en": field.get("label_en", ""),
                    "type": field.get("type", FieldType.TEXT),
                    "required": bool(field.get("required")),
                    "choices": ", ".join(field.get("choices") or []),
                }
                for field in declared
            ],
        )
        if not declared:
            self.custom_fields.extra = 2
        self.custom_fields.checking = not add_field

    def is_valid(self) -> bool:
        valid = super().is_valid()
        rows_valid = self.custom_fields.is_valid()
        return valid and rows_valid

    def route_error(self, key: str, messages: list[str]) -> None:
        if key != "fields":
            super().route_error(key, messages)
            return
        for message in messages:
            if not self.custom_fields.route_action_error(message):
                self.add_error(None, gettext("Custom fields: %(error)s") % {"error": message})

    def save(self, *, actor: User) -> Category | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        chosen = set(data["ticket_types"])
        data["ticket_types"] = [code for code in TicketType.values if code in chosen]
        data["fields"] = self.custom_fields.declarations()
        data["services"] = list(data["services"])
        if self.instance.pk:
            return self.save_with(
                lambda: actions.update_category(self.instance, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_category(actor=actor, **data))


def _with_one_more_row(data: Any, prefix: str) -> Any:
    """The submitted data with room for one more custom field ("Add a field")."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    with contextlib.suppress(TypeError, ValueError):  # the formset reports a broken one
        data[key] = str(min(int(data.get(key, 0)) + 1, MAX_CUSTOM_FIELDS))
    return data


# --- the priority matrix -----------------------------------------------------------------


class PriorityMatrixForm(ConfigActionForm, forms.Form):
    """Impact (rows) × urgency (columns) → priority, one select per cell."""

    bound_field_class = TablerBoundField

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        current = matrix()
        for impact in Level:
            for urgency in Level:
                self.fields[f"{impact.value}_{urgency.value}"] = forms.ChoiceField(
                    label=_("Impact %(impact)s, urgency %(urgency)s")
                    % {"impact": impact.label, "urgency": urgency.label},
                    choices=Priority.choices,
                    initial=current[(impact.value, urgency.value)],
                )
        _tabler_classes(self)

    @property
    def columns(self) -> list[str]:
        return [str(urgency.label) for urgency in Level]

    @property
    def rows(self) -> list[dict[str, Any]]:
        labels = dict(Priority.choices)
        return [
            {
                "impact": impact.label,
                "cells": [
                    {
                        "field": self[f"{impact.value}_{urgency.value}"],
                        "default": labels[DEFAULT_MATRIX[(impact.value, urgency.value)]],
                    }
                    for urgency in Level
                ],
            }
            for impact in Level
        ]

    def cells(self) -> dict[tuple[str, str], str]:
        return {
            (impact, urgency): self.cleaned_data[f"{impact}_{urgency}"]
            for impact in Level.values
            for urgency in Level.values
        }

    def save(self, *, actor: User) -> dict[tuple[str, str], str] | None:
        cells = self.cells()

        def call() -> dict[tuple[str, str], str]:
            actions.set_priority_matrix(actor=actor, cells=cells)
            return cells

        return self.save_with(call)


def _as_stored(instance: Any) -> Any:
    """The record as the database has it. A ModelForm's validation writes the submitted
    values onto `instance`; an update action given that object would see no change
    (`update_canned_response` and `update_assignment_rule` diff the object they are
    given, unlike `update_category`, which reloads it under a lock)."""
    return type(instance)._default_manager.get(pk=instance.pk)


# --- canned responses and assignment rules -------------------------------------------------


class CannedResponseForm(ConfigActionForm, forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = list(CANNED_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        team = self.fields["team"]
        team.queryset = Team.objects.visible_to(actor)  # type: ignore[attr-defined]
        team.empty_label = gettext("All agents (shared)")  # type: ignore[attr-defined]

    def save(self, *, actor: User) -> CannedResponse | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            stored = _as_stored(self.instance)
            return self.save_with(
                lambda: actions.update_canned_response(stored, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_canned_response(actor=actor, **data))


class AssignmentRuleForm(ConfigActionForm, forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = list(RULE_FIELDS)
        labels = {
            "service": _("Service"),
            "category": _("Category"),
            "organization": _("Organization"),
        }
        help_texts = {
            "order": _("Rules are tried from the lowest number; the first that matches wins."),
            "team": _("The team that receives the ticket."),
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        fields = self.fields
        fields["service"].queryset = Service.objects.visible_to(actor)  # type: ignore[attr-defined]
        fields["service"].empty_label = gettext("Any service")  # type: ignore[attr-defined]
        fields["organization"].queryset = Organization.objects.visible_to(actor)  # type: ignore[attr-defined]
        fields["organization"].empty_label = gettext("Any organization")  # type: ignore[attr-defined]
        fields["team"].queryset = Team.objects.visible_to(actor)  # type: ignore[attr-defined]
        categories = Category.objects.visible_to(actor).select_related("parent")
        fields["category"].queryset = categories  # type: ignore[attr-defined]
        fields["category"].choices = tree_choices(categories, gettext("Any category"))  # type: ignore[attr-defined]
        fields["ticket_type"].choices = [("", gettext("Any type")), *TicketType.choices]  # type: ignore[attr-defined]

    def save(self, *, actor: User) -> AssignmentRule | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            stored = _as_stored(self.instance)
            return self.save_with(
                lambda: actions.update_assignment_rule(stored, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_assignment_rule(actor=actor, **data))


# --- the satisfaction report's filter -------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class SatisfactionFilterForm(forms.Form):
    """Answered between two days (inclusive, in the user's time zone)."""

    answered_from = forms.DateField(label=_("Answered from"), required=False, widget=DateInput())
    answered_to = forms.DateField(label=_("Answered until"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("answered_from"), cleaned.get("answered_to")
        if start and end and end < start:
            self.add_error("answered_to", gettext("The end comes before the start."))
        return cleaned

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("answered_from"), self.cleaned_data.get("answered_to")
