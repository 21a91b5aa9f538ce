"""Forms of the service-level pages. They turn friendly text ("09:00-12:00, 13:30-18:00",
"2026-10-01 off") into the shapes the actions take, call the actions, and show the
actions' validation errors on the fields they concern."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from functools import cache
from itertools import pairwise
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.forms import ActionFormMixin
from yunwei.accounts.models import Organization, OrganizationKind, Team, User
from yunwei.accounts.roles import RoleCode
from yunwei.catalog.models import Service
from yunwei.sla import actions
from yunwei.sla.models import (
    Agreement,
    Calendar,
    EscalationAction,
    Outage,
    Priority,
    RecordKind,
)

WEEKDAYS = (
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
)
DEFAULT_ZONE = "Asia/Shanghai"
# The ticket states an agreement may pause on (codes of the ticket workflow).
PAUSE_STATE_CHOICES = [
    ("new", _("New")),
    ("assigned", _("Assigned")),
    ("in_progress", _("In progress")),
    ("waiting_on_customer", _("Waiting on customer")),
    ("resolved", _("Resolved")),
]
ESCALATION_SLOTS = 3
OFF_WORDS = {"off", "holiday", "closed", "休", "休息"}
ON_WORDS = {"on", "working", "work", "班", "上班"}

_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*[-~\u2013\u2014\uff5e]\s*(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOURS_ERROR = re.compile(r"^hours\.(\w+)")
_EXCEPTION_ERROR = re.compile(r"^exceptions\[(\d+)\]\S*:\s*(.*)$", re.DOTALL)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, sorted, with China's first."""
    others = sorted(zoneinfo.available_timezones() - {DEFAULT_ZONE})
    return [(DEFAULT_ZONE, DEFAULT_ZONE), *((name, name) for name in others)]


# --- friendly text <-> calendar data ---------------------------------------------------


def format_intervals(intervals: Any) -> str:
    """[["09:00", "12:00"], ["13:30", "18:00"]] -> "09:00-12:00, 13:30-18:00"."""
    return ", ".join(f"{start}-{end}" for start, end in intervals or [])


def _minutes(hour: str, minute: str, text: str) -> int:
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > 24 * 60:
        raise ValidationError(
            _("“%(value)s” is not a time of day (00:00 to 24:00)."),
            code="invalid",
            params={"value": text},
        )
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:30-18:00" -> [["09:00", "12:00"], ["13:30", "18:00"]] (sorted);
    empty text is a closed day."""
    pairs: list[tuple[int, int]] = []
    for piece in (p.strip() for p in re.split(r"[,;\uff0c\uff1b]", text or "")):
        if not piece:
            continue
        match = _RANGE.fullmatch(piece)
        if match is None:
            raise ValidationError(
                _("“%(value)s” is not a time range like 09:00-12:00."),
                code="invalid",
                params={"value": piece},
            )
        start = _minutes(match[1], match[2], piece)
        end = _minutes(match[3], match[4], piece)
        if start >= end:
            raise ValidationError(
                _("In “%(value)s” the start is not before the end."),
                code="invalid",
                params={"value": piece},
            )
        pairs.append((start, end))
    pairs.sort()
    for (start, end), (next_start, next_end) in pairwise(pairs):
        if next_start < end:
            raise ValidationError(
                _("%(first)s and %(second)s overlap."),
                code="invalid",
                params={
                    "first": f"{_hhmm(start)}-{_hhmm(end)}",
                    "second": f"{_hhmm(next_start)}-{_hhmm(next_end)}",
                },
            )
    return [[_hhmm(start), _hhmm(end)] for start, end in pairs]


def format_exceptions(exceptions: Any) -> str:
    lines = []
    for item in exceptions or []:
        if not item.get("working"):
            lines.append(f"{item['date']} off")
        elif item.get("hours"):
            lines.append(f"{item['date']} {format_intervals(item['hours'])}")
        else:
            lines.append(f"{item['date']} on")
    return "\n".join(lines)


def _parse_exception_line(line: str) -> dict[str, Any]:
    parts = line.split(None, 1)
    if len(parts) != 2:
        raise ValidationError(
            _("give a date, then “off”, “on” or the working hours of that day."), code="invalid"
        )
    date_text, rest = parts[0], parts[1].strip()
    try:
        if not _DATE.fullmatch(date_text):
            raise ValueError(date_text)
        day = dt.date.fromisoformat(date_text)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date like 2026-10-01."),
            code="invalid",
            params={"value": date_text},
        ) from None
    word = rest.lower()
    if word in OFF_WORDS:
        return {"date": day.isoformat(), "working": False}
    if word in ON_WORDS:
        return {"date": day.isoformat(), "working": True}
    hours = parse_intervals(rest)
    if not hours:
        raise ValidationError(_("a working day needs hours."), code="invalid")
    return {"date": day.isoformat(), "working": True, "hours": hours}


def parse_exceptions(text: str) -> list[tuple[int, str, dict[str, Any]]]:
    """One exception per line: "2026-10-01 off", "2026-10-10 on" (normal hours) or
    "2026-10-10 09:00-18:00". Returns (line number, line, exception) sorted by date; a
    ValidationError lists every bad line by its number."""
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[ValidationError] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            item = _parse_exception_line(line)
            if item["date"] in first_line:
                raise ValidationError(
                    _("%(date)s is already given on line %(first)s."),
                    code="duplicate",
                    params={"date": item["date"], "first": first_line[item["date"]]},
                )
        except ValidationError as error:
            errors.append(_line_error(number, line, " ".join(error.messages)))
            continue
        first_line[item["date"]] = number
        parsed.append((number, line, item))
    if errors:
        raise ValidationError(errors)
    return sorted(parsed, key=lambda entry: entry[2]["date"])


def _line_error(number: int, line: str, problem: str) -> ValidationError:
    return ValidationError(
        _("Line %(number)s “%(line)s”: %(problem)s"),
        code="invalid",
        params={"number": number, "line": line, "problem": problem},
    )


def _normal_hours(hours: Any) -> dict[str, list[list[str]]]:
    return {
        day: sorted(list(pair) for pair in value) for day, value in (hours or {}).items() if value
    }


def _canonical(items: Any) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True, default=str) for item in items or [])


# --- forms -----------------------------------------------------------------------------


class SlaActionForm(ActionFormMixin):
    """Calls an action; its ValidationError keys ("hours", "targets.0.response_minutes"…)
    are routed onto this form's fields by `route_error`."""

    def route_error(self, key: str, message: str) -> tuple[str | None, str]:
        return (key if key in self.fields else None), message  # type: ignore[attr-defined]

    def save_with(self, call: Any) -> Any:
        try:
            return call()
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)  # type: ignore[attr-defined]
                return None
            for key, messages in error.message_dict.items():
                for message in messages:
                    field, text = self.route_error(key, message)
                    self.add_error(field, text)  # type: ignore[attr-defined]
            return None


class CalendarForm(SlaActionForm, forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    exceptions = forms.CharField(
        label=_("Exceptions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One date per line: “2026-10-01 off” (a holiday), “2026-10-10 on” (a working "
            "day with the normal hours) or “2026-10-10 09:00-18:00” (a working day with "
            "these hours)."
        ),
    )

    class Meta:
        model = Calendar
        fields = ["name", "timezone"]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        hours = self.instance.hours if self.instance.pk else {}
        for code, label in WEEKDAYS:
            self.fields[code] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "placeholder": pgettext_lazy("calendar day", "closed"),
                        "spellcheck": "false",
                    }
                ),
            )
            if self.instance.pk:
                self.initial[code] = format_intervals(hours.get(code))
            elif code not in ("sat", "sun"):
                self.initial[code] = "09:00-12:00, 13:30-18:00"
        if self.instance.pk:
            self.initial["exceptions"] = format_exceptions(self.instance.exceptions)
        else:
            self.initial["timezone"] = DEFAULT_ZONE
        self.exception_lines: list[tuple[int, str]] = []

    @property
    def weekday_fields(self) -> list[Any]:
        return [self[code] for code, _label in WEEKDAYS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        hours: dict[str, list[list[str]]] = {}
        for code, _label in WEEKDAYS:
            try:
                intervals = parse_intervals(cleaned.get(code, ""))
            except ValidationError as error:
                self.add_error(code, error)
                continue
            if intervals:
                hours[code] = intervals
        if not hours and not any(code in self.errors for code, _label in WEEKDAYS):
            self.add_error("mon", gettext("Give working hours for at least one day."))
        cleaned["hours"] = hours
        try:
            parsed = parse_exceptions(cleaned.get("exceptions", ""))
        except ValidationError as error:
            self.add_error("exceptions", error)
            parsed = []
        self.exception_lines = [(number, line) for number, line, _item in parsed]
        cleaned["exception_list"] = [item for _number, _line, item in parsed]
        return cleaned

    def route_error(self, key: str, message: str) -> tuple[str | None, str]:
        if key == "hours":
            match = _HOURS_ERROR.match(message)
            day = match[1] if match else ""
            return (day if day in dict(WEEKDAYS) else "mon"), message
        if key == "exceptions":
            match = _EXCEPTION_ERROR.match(message)
            if match and int(match[1]) < len(self.exception_lines):
                number, line = self.exception_lines[int(match[1])]
                return "exceptions", _line_error(number, line, match[2]).messages[0]
            return "exceptions", message
        return super().route_error(key, message)

    def save(self, *, actor: User) -> Calendar | None:  # type: ignore[override]
        data = self.cleaned_data
        hours, exceptions = data["hours"], data["exception_list"]
        if not self.instance.pk:
            return self.save_with(
                lambda: actions.create_calendar(
                    actor=actor,
                    name=data["name"],
                    timezone_name=data["timezone"],
                    hours=hours,
                    exceptions=exceptions,
                )
            )
        # What the form shows differently but means the same (closed days listed as
        # empty, another order) is left as stored: no new calendar version for nothing.
        if _normal_hours(self.instance.hours) == hours:
            hours = self.instance.hours
        if _canonical(self.instance.exceptions) == _canonical(exceptions):
            exceptions = self.instance.exceptions
        return self.save_with(
            lambda: actions.update_calendar(
                self.instance,
                actor=actor,
                name=data["name"],
                timezone=data["timezone"],
                hours=hours,
                exceptions=exceptions,
            )
        )


class CalendarImportForm(forms.Form):
    years = forms.CharField(
        label=_("Years"),
        max_length=60,
        help_text=_("Separate years with commas, e.g. 2026, 2027."),
    )

    def clean_years(self) -> list[int]:
        years = []
        for piece in re.split(r"[\s,;\uff0c\uff1b]+", self.cleaned_data["years"].strip()):
            if not piece:
                continue
            if not piece.isdigit() or not 1900 <= int(piece) <= 2100:
                raise ValidationError(
                    _("“%(value)s” is not a year."), code="invalid", params={"value": piece}
                )
            years.append(int(piece))
        if not years:
            raise ValidationError(_("Give at least one year."), code="required")
        return sorted(set(years))


def _customers(actor: User) -> Any:
    return Organization.objects.visible_to(actor).filter(kind=OrganizationKind.CUSTOMER)


class AgreementForm(SlaActionForm, forms.ModelForm):
    pause_states = forms.MultipleChoiceField(
        label=_("States that pause the clock"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agreement
        fields = [
            "name",
            "service",
            "organization",
            "calendar",
            "availability_target",
            "max_interruption_minutes",
            "warning_percent",
            "pause_states",
            "is_active",
        ]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        instance = self.instance
        self.fields["service"].queryset = Service.objects.visible_to(actor)
        self.fields["organization"].queryset = _customers(actor)
        self.fields["organization"].empty_label = gettext("All customers")
        self.fields["calendar"].queryset = Calendar.objects.visible_to(actor)
        stored_states = list(instance.pause_states or []) if instance.pk else []
        known = {code for code, _label in PAUSE_STATE_CHOICES}
        self.fields["pause_states"].choices = PAUSE_STATE_CHOICES + [
            (code, code) for code in stored_states if code not in known
        ]
        self.initial["pause_states"] = (
            stored_states if instance.pk else list(actions.DEFAULT_PAUSE_STATES)
        )

        targets = {t.priority: t for t in instance.targets.all()} if instance.pk else {}
        for priority in Priority:
            target = targets.get(priority.value)
            for kind, label in (("response", _("Response")), ("resolution", _("Resolution"))):
                name = f"{priority.value}_{kind}"
                self.fields[name] = forms.IntegerField(
                    label=label,
                    min_value=1,
                    widget=forms.NumberInput(attrs={"class": "form-control", "min": 1}),
                )
                self.initial[name] = (
                    getattr(target, f"{kind}_minutes")
                    if target
                    else actions.DEFAULT_TARGETS[f"{kind}_minutes"]
                )

        rules = list(instance.escalations.all()) if instance.pk else []
        self.rules_before = [self._rule_key(rule.__dict__, ids=True) for rule in rules]
        staff = User.objects.visible_to(actor).filter(
            organization__kind=OrganizationKind.PROVIDER, is_active=True
        )
        teams = Team.objects.visible_to(actor)
        # Never fewer slots than stored rules, so that editing loses none.
        self.slots = max(ESCALATION_SLOTS, len(rules))
        for slot in range(self.slots):
            fields: dict[str, forms.Field] = {
                "kind": forms.ChoiceField(
                    label=_("Target"), choices=RecordKind.choices, required=False
                ),
                "at_percent": forms.IntegerField(
                    label=_("At (percentage of target elapsed)"),
                    min_value=1,
                    max_value=1000,
                    required=False,
                ),
                "action": forms.ChoiceField(
                    label=_("Action"),
                    choices=[("", "—"), *EscalationAction.choices],
                    required=False,
                ),
                "notify_user": forms.ModelChoiceField(
                    label=_("Notify user"), queryset=staff, required=False, empty_label="—"
                ),
                "notify_team": forms.ModelChoiceField(
                    label=_("Notify team"), queryset=teams, required=False, empty_label="—"
                ),
                "notify_role": forms.ChoiceField(
                    label=_("Notify role"), choices=[("", "—"), *RoleCode.choices], required=False
                ),
                "reassign_team": forms.ModelChoiceField(
                    label=_("Reassign to team"), queryset=teams, required=False, empty_label="—"
                ),
            }
            rule = rules[slot] if slot < len(rules) else None
            for key, field in fields.items():
                field.widget.attrs.setdefault(
                    "class",
                    "form-select" if isinstance(field, forms.ChoiceField) else "form-control",
                )
                self.fields[f"esc{slot}_{key}"] = field
                if rule is not None:
                    value = getattr(rule, f"{key}_id" if key.endswith(("_user", "_team")) else key)
                    self.initial[f"esc{slot}_{key}"] = value
                elif key == "kind":
                    self.initial[f"esc{slot}_{key}"] = RecordKind.RESOLUTION
        self.rule_slots: list[int] = []

    @property
    def general_fields(self) -> list[Any]:
        return [self[name] for name in self.Meta.fields]

    @property
    def target_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "label": priority.label,
                "response": self[f"{priority.value}_response"],
                "resolution": self[f"{priority.value}_resolution"],
            }
            for priority in Priority
        ]

    @property
    def escalation_rows(self) -> list[dict[str, Any]]:
        keys = (
            "kind",
            "at_percent",
            "action",
            "notify_user",
            "notify_team",
            "notify_role",
            "reassign_team",
        )
        return [
            {"number": slot + 1, "fields": [self[f"esc{slot}_{key}"] for key in keys]}
            for slot in range(self.slots)
        ]

    @staticmethod
    def _rule_key(values: dict[str, Any], *, ids: bool = False) -> tuple[Any, ...]:
        def ref(name: str) -> Any:
            if ids:
                return values.get(f"{name}_id")
            obj = values.get(name)
            return obj.pk if obj is not None else None

        return (
            values.get("kind"),
            values.get("at_percent"),
            values.get("action"),
            ref("notify_user"),
            ref("notify_team"),
            values.get("notify_role") or "",
            ref("reassign_team"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        service, organization = cleaned.get("service"), cleaned.get("organization")
        if service is not None:
            others = Agreement.objects.filter(service=service).exclude(pk=self.instance.pk)
            scope = Q(organization=organization) if organization else Q(organization__isnull=True)
            if others.filter(scope).exists():
                self.add_error(
                    "organization",
                    gettext("This service already has an agreement for this customer.")
                    if organization
                    else gettext("This service already has a default agreement."),
                )
        escalations = []
        self.rule_slots = []
        for slot in range(self.slots):
            at_percent = cleaned.get(f"esc{slot}_at_percent")
            if at_percent is None:
                continue  # an empty "at %" is no rule
            action = cleaned.get(f"esc{slot}_action")
            if not action:
                self.add_error(f"esc{slot}_action", gettext("Choose what happens."))
                continue
            escalations.append(
                {
                    "kind": cleaned.get(f"esc{slot}_kind") or RecordKind.RESOLUTION,
                    "at_percent": at_percent,
                    "action": action,
                    "notify_user": cleaned.get(f"esc{slot}_notify_user"),
                    "notify_team": cleaned.get(f"esc{slot}_notify_team"),
                    "notify_role": cleaned.get(f"esc{slot}_notify_role") or "",
                    "reassign_team": cleaned.get(f"esc{slot}_reassign_team"),
                }
            )
            self.rule_slots.append(slot)
        cleaned["escalations"] = escalations
        return cleaned

    def route_error(self, key: str, message: str) -> tuple[str | None, str]:
        parts = key.split(".")
        if parts[0] == "targets" and len(parts) == 3 and parts[1].isdigit():
            priority = Priority.values[int(parts[1])] if int(parts[1]) < len(Priority) else ""
            kind = parts[2].removesuffix("_minutes")
            name = f"{priority}_{kind}"
            return (name if name in self.fields else None), message
        if parts[0] == "escalations" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            slot = self.rule_slots[index] if index < len(self.rule_slots) else None
            field = parts[2] if len(parts) > 2 else "notify_user"
            name = f"esc{slot}_{field}"
            return (name if name in self.fields else None), message
        return super().route_error(key, message)

    def save(self, *, actor: User) -> Agreement | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        targets = [
            {
                "priority": priority,
                "response_minutes": self.cleaned_data[f"{priority}_response"],
                "resolution_minutes": self.cleaned_data[f"{priority}_resolution"],
            }
            for priority in Priority.values
        ]
        escalations: list[dict[str, Any]] | None = self.cleaned_data["escalations"]
        if not self.instance.pk:
            return self.save_with(
                lambda: actions.create_agreement(
                    actor=actor, targets=targets, escalations=escalations, **data
                )
            )
        if [self._rule_key(rule) for rule in escalations or []] == self.rules_before:
            escalations = None  # unchanged: keep the rules (and what they already fired)
        return self.save_with(
            lambda: actions.update_agreement(
                self.instance, actor=actor, targets=targets, escalations=escalations, **data
            )
        )


class LocalDateTimeInput(forms.DateTimeInput):
    """A datetime-local input; the value is read in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class OutageForm(SlaActionForm, forms.ModelForm):
    class Meta:
        model = Outage
        fields = [
            "service",
            "organization",
            "started_at",
            "ended_at",
            "planned",
            "incident_reference",
            "description",
        ]
        widgets = {
            "started_at": LocalDateTimeInput(),
            "ended_at": LocalDateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["service"].queryset = Service.objects.visible_to(actor)
        self.fields["organization"].queryset = _customers(actor)
        self.fields["organization"].empty_label = gettext("All customers")
        self.fields["ended_at"].help_text = _("Leave empty while the outage lasts.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        started, ended = cleaned.get("started_at"), cleaned.get("ended_at")
        if started and ended and ended <= started:
            self.add_error("ended_at", gettext("An outage must end after it starts."))
        return cleaned

    def save(self, *, actor: User) -> Outage | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            return self.save_with(lambda: actions.update_outage(self.instance, actor=actor, **data))
        return self.save_with(lambda: actions.record_outage(actor=actor, **data))
