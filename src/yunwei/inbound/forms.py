from __future__ import annotations

from typing import Any

from django import forms

from yunwei.accounts.forms import ActionFormMixin
from yunwei.accounts.models import Organization, OrganizationKind, User
from yunwei.inbound import actions
from yunwei.inbound.models import SenderDomain


class SenderDomainForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = SenderDomain
        fields = ["domain", "organization"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.visible_to(self.actor).filter(
            kind=OrganizationKind.CUSTOMER, is_active=True
        )

    def save(self, *, actor: User) -> SenderDomain | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            return self.save_with(
                lambda: actions.update_sender_domain(self.instance, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_sender_domain(actor=actor, **data))

    def clean_domain(self) -> str:
        return str(self.cleaned_data["domain"]).strip().lower().removeprefix("@")
