from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yunwei.accounts import actions
from yunwei.accounts.models import Organization, Role, Team, User
from yunwei.accounts.roles import RoleCode


class ActionFormMixin:
    """A form whose `save(actor=...)` calls an action and turns its validation errors
    into field errors instead of a failed page."""

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.actor = actor

    def save_with(self, call: Any) -> Any:
        try:
            return call()
        except ValidationError as error:
            self.add_error(None, error)  # type: ignore[attr-defined]
            return None


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        # One answer whether or not the account exists.
        "invalid_login": _("That e-mail address and password do not match an active account."),
        "inactive": _("That e-mail address and password do not match an active account."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.organization.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")


class OtpForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.CharField(label=_("Time zone"), max_length=64)


class OrganizationForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "code", "kind", "is_active"]

    def save(self, *, actor: User) -> Organization | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            return self.save_with(
                lambda: actions.update_organization(self.instance, actor=actor, **data)
            )
        return self.save_with(lambda: actions.create_organization(actor=actor, **data))


class UserForm(ActionFormMixin, forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=RoleCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the current password (new users without one get a reset link)."
        ),
    )

    class Meta:
        model = User
        fields = [
            "email",
            "name",
            "organization",
            "phone",
            "language",
            "timezone",
            "is_active",
            "is_organization_admin",
        ]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["organization"].queryset = Organization.objects.visible_to(actor)
        if self.instance.pk:
            self.initial["roles"] = sorted(self.instance.role_codes)

    def save(self, *, actor: User) -> User | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        roles = self.cleaned_data["roles"]
        password = self.cleaned_data["password"] or None
        if self.instance.pk:
            return self.save_with(
                lambda: actions.update_user(
                    self.instance, actor=actor, roles=roles, password=password, **data
                )
            )
        return self.save_with(
            lambda: actions.create_user(actor=actor, roles=roles, password=password, **data)
        )


class TeamForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description", "email", "lead", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 10})}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        staff = User.objects.visible_to(actor).filter(organization__kind="provider", is_active=True)
        self.fields["lead"].queryset = staff
        self.fields["members"].queryset = staff

    def save(self, *, actor: User) -> Team | None:  # type: ignore[override]
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["members"] = list(data["members"])
        if self.instance.pk:
            return self.save_with(lambda: actions.update_team(self.instance, actor=actor, **data))
        return self.save_with(lambda: actions.create_team(actor=actor, **data))


class RoleForm(ActionFormMixin, forms.ModelForm):
    class Meta:
        model = Role
        fields = ["require_two_factor"]

    def save(self, *, actor: User) -> Role | None:  # type: ignore[override]
        return self.save_with(
            lambda: actions.update_role(
                self.instance,
                actor=actor,
                require_two_factor=self.cleaned_data["require_two_factor"],
            )
        )


class ResetRequestForm(PasswordResetForm):
    """Also reaches users created without a password, who set their first one this way."""

    def get_users(self, email: str) -> Any:
        return User.objects.filter(
            email__iexact=email, is_active=True, organization__is_active=True
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Links name the configured host, not whatever Host header the request carried.
        kwargs["domain_override"] = settings.SITE_DOMAIN or None
        super().save(*args, **kwargs)


class ResetPasswordForm(SetPasswordForm):
    def save(self, commit: bool = True) -> Any:
        actions.reset_password(self.user, password=self.cleaned_data["new_password1"])
        return self.user
