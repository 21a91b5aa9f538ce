from __future__ import annotations

from typing import Any

from django import forms

from yunwei.accounts.forms import ActionFormMixin
from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog import actions
from yunwei.catalog.models import Service


class ServiceForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "code",
            "name_zh",
            "name_en",
            "category",
            "status",
            "owner_team",
            "organizations",
            "description",
        ]
        widgets = {
            "organizations": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner_team"].queryset = Team.objects.visible_to(actor)
        self.fields["organizations"].queryset = Organization.objects.visible_to(actor)

    def save(self, *, actor: User) -> Service | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["organizations"] = list(data["organizations"])
        if self.instance.pk:
            return self.save_with(
                lambda: actions.update_service(self.instance, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_service(actor=actor, **data))
