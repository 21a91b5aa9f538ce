"""The webhook form: what the page shows (events as grouped checkboxes) turned into what
`actions.create_subscription` / `update_subscription` take; the actions' validation
errors land on the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.models import Organization, User
from yunwei.core.events import EventName
from yunwei.webhooks import actions
from yunwei.webhooks.models import Format, RobotLanguage, WebhookSubscription

# Event groups by the part of the name before the dot ("ticket.created" → tickets).
EVENT_GROUPS = {"ticket": _("Tickets")}


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.GENERIC)
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"spellcheck": "false", "placeholder": "https://"}),
        help_text=_(
            "For a robot, its webhook address (WeCom …/cgi-bin/webhook/send?key=…, DingTalk "
            "…/robot/send?access_token=…, Feishu …/open-apis/bot/v2/hook/…)."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventName.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        required=False,
        max_length=actions.MAX_SECRET,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Generic: the signing key; leave empty to have a new one made. DingTalk and "
            "Feishu: the robot's signing secret (加签), if it has one. WeCom: not used."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of robot messages"),
        choices=RobotLanguage.choices,
        initial=RobotLanguage.ZH_HANS,
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("(all organizations)"),
        help_text=_("Only events about this organization's tickets; all when empty."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    allow_private_network = forms.BooleanField(
        label=_("Allow private network"),
        required=False,
        help_text=WebhookSubscription._meta.get_field("allow_private_network").help_text,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        actor: User,
        instance: WebhookSubscription | None = None,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.pop("initial", None) or {}
        if instance is not None:
            initial = {name: getattr(instance, name) for name in actions.FIELDS} | initial
        super().__init__(data, initial=initial, **kwargs)
        self.actor = actor
        self.instance = instance
        organization: Any = self.fields["organization"]
        organization.queryset = Organization.objects.visible_to(actor).order_by("name")

    @property
    def event_groups(self) -> list[dict[str, Any]]:
        """The event checkboxes, grouped by kind, for the template."""
        groups: dict[str, dict[str, Any]] = {}
        for choice in self["events"]:
            kind = str(choice.data["value"]).split(".", 1)[0]
            group = groups.setdefault(
                kind, {"label": EVENT_GROUPS.get(kind, kind.title()), "choices": []}
            )
            group["choices"].append(choice)
        return list(groups.values())

    def save(self, *, actor: User) -> WebhookSubscription | None:
        data = {name: self.cleaned_data[name] for name in actions.FIELDS}
        try:
            if self.instance is not None:
                return actions.update_subscription(self.instance, actor=actor, **data)
            return actions.create_subscription(actor=actor, **data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)
                return None
            for key, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(key if key in self.fields else None, message)
            return None
