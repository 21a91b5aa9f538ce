"""The service desk's forms. Each one turns a POST into the arguments of one action; the
action decides, and its ValidationError comes back as errors next to the fields it names
(`add_action_errors`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.accounts.models import Team, User
from yunwei.catalog.models import Service
from yunwei.catalog.querysets import prefers_chinese
from yunwei.core.widgets import Autocomplete, AutocompleteMultiple
from yunwei.sla.models import Priority
from yunwei.tickets import workflow
from yunwei.tickets.actions import is_agent
from yunwei.tickets.actions.comments import MAX_TIME_SPENT
from yunwei.tickets.models import (
    Category,
    Channel,
    FieldType,
    LinkKind,
    ResolutionCode,
    Ticket,
    TicketType,
)

# --- shared helpers ----------------------------------------------------------------------


def add_action_errors(form: forms.Form, error: ValidationError) -> None:
    """An action's ValidationError on `form`: each message next to the field it names
    (through the form's `error_aliases` when names differ), the rest at the top."""
    aliases: dict[str, str] = getattr(form, "error_aliases", {})
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        field = aliases.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def staff_users() -> Any:
    """The provider's active people, who may be assignees."""
    return User.objects.filter(organization__kind="provider", is_active=True).order_by(
        "name", "email"
    )


def category_choices(categories: Iterable[Category]) -> list[tuple[int, str]]:
    """Categories in tree order, each name indented by its depth."""
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    known = {c.pk for group in by_parent.values() for c in group}
    # Children whose parent is not in the list (inactive) start their own tree.
    roots = [c for parent, group in by_parent.items() if parent not in known for c in group]
    choices: list[tuple[int, str]] = []

    def walk(nodes: list[Category], depth: int) -> None:
        for node in sorted(nodes, key=lambda c: c.display_name.lower()):
            choices.append(
                (node.pk, "\u2003" * depth + ("└ " if depth else "") + node.display_name)
            )
            walk(by_parent.get(node.pk, []), depth + 1)

    walk(roots, 0)
    return choices


def tag_list(text: str) -> list[str]:
    """Comma-separated tags (also the full-width comma and the Chinese enumeration comma)."""
    for separator in ("，", "、", ";", "；"):
        text = text.replace(separator, ",")
    return [name.strip() for name in text.split(",") if name.strip()]


def person_label(user: User) -> str:
    return f"{user.name} · {user.email}" if user.name else user.email


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class BoundedIdsField(forms.ModelMultipleChoiceField):
    """Ids beyond what the database stores are refused as invalid, not sent to it."""

    def _check_values(self, value: Any) -> Any:
        for pk in value or []:
            if not str(pk).isdigit() or not 0 < int(pk) < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": pk},
                )  # fmt: skip
        return super()._check_values(value)


class MultipleUserChoiceField(BoundedIdsField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type=file multiple>`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


# --- raising and editing a ticket ------------------------------------------------------

CUSTOM_PREFIX = "cf_"


def custom_field_label(declaration: dict[str, Any]) -> str:
    first, second = ("label_zh", "label_en") if prefers_chinese() else ("label_en", "label_zh")
    return declaration.get(first) or declaration.get(second) or declaration["name"]


def custom_form_field(declaration: dict[str, Any]) -> forms.Field:
    """The form field of one declared custom field."""
    kind = declaration["type"]
    required = bool(declaration.get("required"))
    label = custom_field_label(declaration)
    if kind == FieldType.NUMBER:
        return forms.FloatField(label=label, required=required)
    if kind == FieldType.DATE:
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == FieldType.CHOICE:
        choices = [("", "---------")] + [(c, c) for c in declaration.get("choices", [])]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    if kind == FieldType.BOOLEAN:
        choices = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    return forms.CharField(label=label, required=required, max_length=2000)


def custom_value(declaration: dict[str, Any], value: Any) -> Any:
    """A cleaned form value as the action takes it (None: not given)."""
    if value in (None, ""):
        return None
    kind = declaration["type"]
    if kind == FieldType.NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == FieldType.DATE:
        return value.isoformat()
    if kind == FieldType.BOOLEAN:
        return value == "true"
    return value


def custom_initial(declaration: dict[str, Any], value: Any) -> Any:
    if declaration["type"] == FieldType.BOOLEAN and isinstance(value, bool):
        return "true" if value else "false"
    return value


class CategoryFieldsMixin:
    """A ticket form's category and the custom fields it declares: `categories` (id →
    Category) is set by the form, then `add_custom_fields()` adds the chosen category's
    fields (from the bound data, else the initial value)."""

    categories: dict[int, Category]
    declarations: list[dict[str, Any]]
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_custom_fields(self) -> None:
        self.declarations = self._declarations()
        for declaration in self.declarations:
            self.fields[CUSTOM_PREFIX + declaration["name"]] = custom_form_field(declaration)

    def _declarations(self) -> list[dict[str, Any]]:
        raw = self["category"].value() if "category" in self.fields else None
        try:
            category = self.categories.get(int(raw)) if raw not in (None, "") else None
        except (TypeError, ValueError):
            category = None
        return list(category.fields) if category else []

    @property
    def custom_fields(self) -> list[forms.BoundField]:
        return [self[CUSTOM_PREFIX + d["name"]] for d in self.declarations]

    def clean_category(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        return self.categories.get(pk) if pk is not None else None

    def custom_values(self) -> dict[str, Any]:
        values = {}
        for declaration in self.declarations:
            value = custom_value(
                declaration, self.cleaned_data.get(CUSTOM_PREFIX + declaration["name"])
            )
            if value is not None:
                values[declaration["name"]] = value
        return values


class TicketForm(CategoryFieldsMixin, forms.Form):
    """Raise (no `instance`) or edit a ticket. The service desk sees more fields than a
    customer's user, who raises tickets for themselves only. The category's custom
    fields are added as `cf_<name>` fields."""

    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, initial="incident")
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, lists, `code`, links."),
    )
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        initial="medium",
        choices=[
            ("high", pgettext_lazy("impact or urgency", "High")),
            ("medium", pgettext_lazy("impact or urgency", "Medium")),
            ("low", pgettext_lazy("impact or urgency", "Low")),
        ],
        help_text=_("How many people or how much of the service it affects."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        initial="medium",
        choices=[
            ("high", pgettext_lazy("impact or urgency", "High")),
            ("medium", pgettext_lazy("impact or urgency", "Medium")),
            ("low", pgettext_lazy("impact or urgency", "Low")),
        ],
        help_text=_("How soon it must be dealt with."),
    )
    # The service desk only:
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("From impact and urgency")), *Priority.choices],
    )
    # People are found by typing (thousands of them): the page holds only the chosen.
    requester = UserChoiceField(
        label=_("Requester"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty to raise it in your own name."),
        widget=Autocomplete("people"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="web")
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    assignee = UserChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        widget=Autocomplete("agents"),
    )
    watchers = MultipleUserChoiceField(
        label=_("Watchers"),
        queryset=User.objects.none(),
        required=False,
        widget=AutocompleteMultiple("people"),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )

    STAFF_FIELDS = ("priority", "requester", "channel", "team", "assignee", "watchers", "tags")
    # Fields of the form that `update_ticket` takes (type and channel are fixed once raised).
    EDIT_FIELDS = (
        "title",
        "description",
        "service",
        "category",
        "impact",
        "urgency",
        "priority",
        "requester",
        "team",
        "assignee",
        "watchers",
        "tags",
    )

    def __init__(
        self, *args: Any, actor: User, instance: Ticket | None = None, **kwargs: Any
    ) -> None:
        self.actor = actor
        self.instance = instance
        self.agent = is_agent(actor)
        if instance is not None:
            kwargs.setdefault("initial", {}).update(self._initial_of(instance))
        super().__init__(*args, **kwargs)
        services = Service.objects.visible_to(actor).exclude(status="retired")
        if instance is not None:
            services = Service.objects.visible_to(actor).filter(
                Q(pk=instance.service_id) | ~Q(status="retired")
            )
        self.fields["service"].queryset = services.order_by("code")
        self.fields["service"].label_from_instance = lambda s: s.display_name
        self.categories = {c.pk: c for c in Category.objects.visible_to(actor).active()}
        if instance is not None and instance.category_id and instance.category:
            self.categories.setdefault(instance.category_id, instance.category)
        self.fields["category"].choices = [
            ("", "---------"),
            *category_choices(self.categories.values()),
        ]
        if not self.agent:
            for name in self.STAFF_FIELDS:
                del self.fields[name]
            self.fields["type"].choices = [
                c for c in TicketType.choices if c[0] != TicketType.PROBLEM
            ]
        else:
            people = User.objects.visible_to(actor).filter(is_active=True)
            if instance is not None:
                people = people.filter(
                    Q(organization_id=instance.organization_id) | Q(organization__kind="provider")
                )
                self.fields["requester"].queryset = people.filter(
                    organization_id=instance.organization_id
                ).order_by("name", "email")
                self.fields["requester"].required = True
                self.fields["requester"].help_text = ""
                scope = {"organization": instance.organization_id}
                self.fields["requester"].widget.params = scope
                self.fields["watchers"].widget.params = {**scope, "staff": 1}
            else:
                self.fields["requester"].queryset = people.select_related("organization").order_by(
                    "organization__name", "name", "email"
                )
                self.fields["requester"].label_from_instance = lambda u: (
                    f"{u.name or u.email} · {u.email} · {u.organization}"
                )
            self.fields["team"].queryset = Team.objects.visible_to(actor)
            self.fields["assignee"].queryset = staff_users()
            self.fields["watchers"].queryset = people.order_by("name", "email")
        if instance is not None:
            del self.fields["type"]
            if "channel" in self.fields:
                del self.fields["channel"]
        self.add_custom_fields()

    @staticmethod
    def _initial_of(ticket: Ticket) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": ticket.title,
            "description": ticket.description,
            "service": ticket.service_id,
            "category": ticket.category_id,
            "impact": ticket.impact,
            "urgency": ticket.urgency,
            "priority": ticket.priority,
            "requester": ticket.requester_id,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
            "watchers": [user.pk for user in ticket.watchers.all()],
            "tags": ", ".join(tag.name for tag in ticket.tags.all()),
        }
        declared = {f["name"]: f for f in (ticket.category.fields if ticket.category else [])}
        for name, value in (ticket.custom_fields or {}).items():
            if name in declared:
                initial[CUSTOM_PREFIX + name] = custom_initial(declared[name], value)
        return initial

    @property
    def main_fields(self) -> list[forms.BoundField]:
        names = ("type", "title", "description", "service", "category", "impact", "urgency")
        return [self[name] for name in names if name in self.fields]

    @property
    def staff_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.STAFF_FIELDS if name in self.fields]

    def clean_tags(self) -> list[str]:
        return tag_list(self.cleaned_data.get("tags") or "")

    def create_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "type": data["type"],
            "title": data["title"],
            "description": data["description"],
            "service": data["service"],
            "category": data["category"],
            "impact": data["impact"],
            "urgency": data["urgency"],
            "custom_fields": self.custom_values(),
        }
        if self.agent:
            arguments.update(
                priority=data["priority"] or None,
                requester=data["requester"] or None,
                channel=data["channel"],
                team=data["team"],
                assignee=data["assignee"],
                watchers=list(data["watchers"]),
                tags=data["tags"],
            )
        return arguments

    def update_arguments(self) -> dict[str, Any]:
        """The fields changed, as `update_ticket` takes them. An emptied priority means
        "from impact and urgency" again."""
        assert self.instance is not None
        data = self.cleaned_data
        changed = set(self.changed_data)
        changes: dict[str, Any] = {}
        for name in self.EDIT_FIELDS:
            if name in changed and name in self.fields:
                changes[name] = data[name]
        if "watchers" in changes:
            changes["watchers"] = list(changes["watchers"])
        if "priority" in changes and not changes["priority"]:
            del changes["priority"]
            changes["impact"] = data["impact"]
            changes["urgency"] = data["urgency"]
        custom = self.custom_values()
        if "category" in changes or custom != (self.instance.custom_fields or {}):
            changes["custom_fields"] = custom
        return changes


# --- the conversation --------------------------------------------------------------------


class ReplyForm(forms.Form):
    """A public reply or (service desk only) an internal note, with files."""

    error_aliases = {"public": "visibility", "file": "files"}

    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=[("public", _("Public reply")), ("internal", _("Internal note"))],
        initial="public",
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Markdown. Mention someone with @name or @e-mail: they are told and added as watchers."
        ),
    )
    time_spent_minutes = forms.IntegerField(
        label=_("Time spent (minutes)"), min_value=0, max_value=MAX_TIME_SPENT, required=False
    )
    files = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = is_agent(actor)
        if not self.agent:
            del self.fields["visibility"]
            del self.fields["time_spent_minutes"]

    @property
    def public(self) -> bool:
        if not self.agent:
            return True
        if self.is_bound and hasattr(self, "cleaned_data"):
            return self.cleaned_data.get("visibility", "public") == "public"
        return self["visibility"].value() != "internal"


class AttachmentForm(forms.Form):
    error_aliases = {"file": "files", "public": "internal"}

    files = MultipleFileField(label=_("Files"))
    internal = forms.BooleanField(
        label=_("Internal (the customer does not see it)"), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_agent(actor):
            del self.fields["internal"]


# --- transitions -------------------------------------------------------------------------

TRANSITION_LABELS = {
    workflow.ASSIGNED: _("Assign"),
    workflow.IN_PROGRESS: _("Start work"),
    workflow.WAITING_ON_CUSTOMER: _("Wait on customer"),
    workflow.RESOLVED: _("Resolve"),
    workflow.CLOSED: _("Close"),
    workflow.REOPENED: _("Reopen"),
}
TRANSITION_ICONS = {
    workflow.ASSIGNED: "ti-user-share",
    workflow.IN_PROGRESS: "ti-player-play",
    workflow.WAITING_ON_CUSTOMER: "ti-hourglass",
    workflow.RESOLVED: "ti-circle-check",
    workflow.CLOSED: "ti-lock",
    workflow.REOPENED: "ti-refresh",
}


class TransitionForm(forms.Form):
    """The small form behind one transition button; its fields depend on the move."""

    assignee = UserChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        widget=Autocomplete("agents"),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    resolution = forms.ChoiceField(
        label=_("Resolution"), choices=[("", "---------"), *ResolutionCode.choices]
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    resolve_incidents = forms.BooleanField(
        label=_("Resolve the linked open incidents too"), required=False
    )

    FIELDS = {
        workflow.ASSIGNED: ("assignee", "team", "note"),
        workflow.RESOLVED: ("resolution", "note", "resolve_incidents"),
    }

    def __init__(
        self, *args: Any, to: str, ticket: Ticket, actor: User, staff: Any = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", f"t-{to}")
        super().__init__(*args, **kwargs)
        self.to = to
        keep = set(self.FIELDS.get(to, ("note",)))
        if ticket.type != TicketType.PROBLEM:
            keep.discard("resolve_incidents")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if to == workflow.RESOLVED:
            self.fields["note"].label = _("Resolution note")
            self.fields["note"].help_text = _("What was done; the customer reads it.")
        else:
            self.fields["note"].required = False
            if to in (workflow.WAITING_ON_CUSTOMER, workflow.CLOSED, workflow.REOPENED):
                self.fields["note"].help_text = _("Optional; sent to the customer as a reply.")
            elif is_agent(actor):
                self.fields["note"].help_text = _("Optional; kept as an internal note.")
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = staff if staff is not None else staff_users()
            self.fields["team"].queryset = Team.objects.visible_to(actor)
            self.initial.setdefault("assignee", ticket.assignee_id)
            self.initial.setdefault("team", ticket.team_id)

    @property
    def label(self) -> Any:
        return TRANSITION_LABELS.get(self.to, self.to)

    @property
    def icon(self) -> str:
        return TRANSITION_ICONS.get(self.to, "ti-arrow-right")

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "to": self.to,
            "assignee": data.get("assignee"),
            "team": data.get("team"),
            "resolution": data.get("resolution") or "",
            "note": data.get("note") or "",
            "resolve_incidents": bool(data.get("resolve_incidents")),
        }


# --- analysis, links, survey ----------------------------------------------------------


class AnalysisForm(forms.Form):
    """What the service desk found (incidents and problems)."""

    analysis = forms.CharField(
        label=_("Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    workaround = forms.CharField(
        label=_("Workaround"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer sees the workaround."),
    )
    known_error = forms.BooleanField(label=_("Known error"), required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "analysis")
        kwargs.setdefault(
            "initial",
            {
                "analysis": ticket.analysis,
                "root_cause": ticket.root_cause,
                "workaround": ticket.workaround,
                "known_error": ticket.known_error,
            },
        )
        super().__init__(*args, **kwargs)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


LINK_CHOICES = [
    ("problem", _("Caused by problem")),
    ("parent", _("Child of")),
    (LinkKind.DUPLICATE_OF, pgettext_lazy("ticket link", "Duplicate of")),
    (LinkKind.RELATED, pgettext_lazy("ticket link", "Related to")),
]


class LinkForm(forms.Form):
    error_aliases = {"target": "reference", "problem": "reference", "parent": "reference"}

    kind = forms.ChoiceField(label=_("Link"), choices=LINK_CHOICES)
    reference = forms.CharField(
        label=_("Ticket"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "INC-000123", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, ticket: Ticket, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "link")
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.actor = actor
        if ticket.type == TicketType.PROBLEM:
            self.fields["kind"].choices = [c for c in LINK_CHOICES if c[0] != "problem"]

    def clean_reference(self) -> Ticket:
        reference = self.cleaned_data["reference"].strip().upper()
        target = Ticket.objects.visible_to(self.actor).filter(reference=reference).first()
        if target is None:
            raise ValidationError(
                _("No ticket %(ref)s that you can see.") % {"ref": reference}, code="unknown"
            )
        return target


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how this was handled?"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "survey")
        super().__init__(*args, **kwargs)


# --- the queue ------------------------------------------------------------------------------

BULK_OPERATIONS = [
    ("assign", _("Assign")),
    ("priority", _("Set priority")),
    ("tags", _("Add tags")),
    ("resolve", _("Resolve")),
    ("close", _("Close")),
]


class BulkForm(forms.Form):
    """One change to the tickets ticked in the queue."""

    ids = BoundedIdsField(queryset=Ticket.objects.none())
    operation = forms.ChoiceField(label=_("Action"), choices=BULK_OPERATIONS)
    assignee = UserChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        widget=Autocomplete("agents"),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", "---------"), *Priority.choices]
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000)
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        required=False,
        choices=[("", "---------"), *ResolutionCode.choices],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=10_000)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = Ticket.objects.visible_to(actor)
        self.fields["ids"].error_messages["required"] = _("Tick at least one ticket.")
        self.fields["assignee"].queryset = staff_users()
        self.fields["team"].queryset = Team.objects.visible_to(actor)
        for name in ("assignee", "team", "priority", "resolution"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        operation = data.get("operation")
        if operation == "assign" and not (data.get("assignee") or data.get("team")):
            self.add_error("assignee", _("Give an assignee or a team."))
        if operation == "priority" and not data.get("priority"):
            self.add_error("priority", _("Choose a priority."))
        if operation == "tags" and not tag_list(data.get("tags") or ""):
            self.add_error("tags", _("Give at least one tag."))
        if operation == "resolve":
            if not data.get("resolution"):
                self.add_error("resolution", _("Choose a resolution code."))
            if not (data.get("note") or "").strip():
                self.add_error("note", _("Say how it was resolved."))
        return data


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    shared = forms.BooleanField(label=_("Share with all agents"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "view")
        super().__init__(*args, **kwargs)
