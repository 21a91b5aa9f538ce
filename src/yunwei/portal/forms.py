"""The portal's forms. Each turns a POST into the arguments of one action; the action's
ValidationError comes back next to the field it names (`tickets.forms.add_action_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.accounts.models import User
from yunwei.catalog.models import Service
from yunwei.tickets.forms import (
    CategoryFieldsMixin,
    MultipleFileField,
    SurveyForm,
    category_choices,
)
from yunwei.tickets.models import Category

LEVELS = [
    ("high", pgettext_lazy("impact or urgency", "High")),
    ("medium", pgettext_lazy("impact or urgency", "Medium")),
    ("low", pgettext_lazy("impact or urgency", "Low")),
]


class RaiseForm(CategoryFieldsMixin, forms.Form):
    """An incident or a service request for one service: the categories offered are
    those of that type offered for that service (`Category.services`), and the chosen
    category's custom fields join as `cf_<name>`."""

    error_aliases = {"file": "files"}

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, lists, `code`, links."),
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        choices=LEVELS,
        initial="medium",
        help_text=_("How many people or how much of the service it affects."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=LEVELS,
        initial="medium",
        help_text=_("How soon it must be dealt with."),
    )
    files = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self, *args: Any, actor: User, service: Service, ticket_type: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        offered = (
            Category.objects.visible_to(actor).active().filter(Category.offered_for([service.pk]))
        )
        self.categories = {
            category.pk: category
            for category in offered
            if not category.ticket_types or ticket_type in category.ticket_types
        }
        if self.categories:
            self.fields["category"].choices = [
                ("", "---------"),
                *category_choices(self.categories.values()),
            ]
        else:
            del self.fields["category"]
        self.add_custom_fields()

    @property
    def main_fields(self) -> list[forms.BoundField]:
        names = ("title", "description", "category")
        return [self[name] for name in names if name in self.fields]

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "category": data.get("category"),
            "impact": data["impact"],
            "urgency": data["urgency"],
            "custom_fields": self.custom_values(),
            "files": data["files"],
        }


class ReplyForm(forms.Form):
    """A text, files, or both: a reply of files only lists their names as its text."""

    error_aliases = {"file": "files"}

    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown: **bold**, lists, `code`, links."),
    )
    files = MultipleFileField(label=_("Attachments"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "body" in data and "files" in data and not data["body"] and not data["files"]:
            self.add_error("body", _("Write a reply or attach a file."))
        return data


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("What is still wrong?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; the service desk reads it as your reply."),
    )


class RatingForm(SurveyForm):
    """The agent page's rating form; the portal's page has no other form to tell apart,
    so its fields go unprefixed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", None)
        super().__init__(*args, **kwargs)


class TicketFilterForm(forms.Form):
    """The GET parameters of My tickets; anything unknown falls back to the default."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("resolved", pgettext_lazy("tickets filter", "Resolved")),
            ("closed", pgettext_lazy("tickets filter", "Closed")),
            ("all", _("All")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("Whose"),
        required=False,
        choices=[("mine", _("Mine")), ("organization", _("My organization's"))],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
