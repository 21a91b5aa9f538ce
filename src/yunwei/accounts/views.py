"""Sign-in (with optional TOTP step), preferences, and the pages that manage users,
organizations, teams and roles."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from yunwei.accounts import actions
from yunwei.accounts.filters import OrganizationFilter, RoleFilter, TeamFilter, UserFilter
from yunwei.accounts.forms import (
    LoginForm,
    OrganizationForm,
    OtpForm,
    PreferencesForm,
    RoleForm,
    TeamForm,
    UserForm,
)
from yunwei.accounts.models import Organization, Role, Team, User
from yunwei.accounts.tables import OrganizationTable, RoleTable, TeamTable, UserTable
from yunwei.core.views import ObjectDetailView, ObjectFormView, ObjectListView

PENDING_USER = "yunwei_2fa_user"
PENDING_BACKEND = "yunwei_2fa_backend"
PENDING_TOTP_KEY = "yunwei_totp_key"


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown (with status 429) after too many failed sign-ins, for any account name."""
    return render(request, "accounts/locked_out.html", status=429)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # Password was right; the session is opened only after the second factor.
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_BACKEND] = user.backend
            return redirect(f"{reverse('accounts:verify')}?next={self.get_redirect_url()}")
        return super().form_valid(form)


def verify(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                backend = request.session.pop(PENDING_BACKEND, None)
                request.session.pop(PENDING_USER, None)
                login(request, user, backend=backend)
                otp_login(request, device)
                return HttpResponseRedirect(_safe_next(request))
        form.add_error(
            "token", _("That code is not valid. Check your device's clock and try again.")
        )
    return render(request, "accounts/verify.html", {"form": form})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (scan, then confirm with a code) or remove it."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if request.method == "POST" and request.POST.get("action") == "remove":
        try:
            actions.remove_totp_devices(user, actor=user)
            messages.success(request, _("Two-factor sign-in is off."))
        except ValidationError as error:  # why it cannot be removed
            messages.error(request, " ".join(error.messages))
        return redirect("accounts:two_factor")
    if confirmed:
        return render(request, "accounts/two_factor.html", {"enabled": True})
    if request.method == "POST" and request.POST.get("action") == "restart":
        request.session[PENDING_TOTP_KEY] = actions.new_totp_key()
        return redirect(f"{reverse('accounts:two_factor')}?next={_safe_next(request, '')}")
    # The secret waits in the session until a code from it proves the app holds it.
    key = request.session.setdefault(PENDING_TOTP_KEY, actions.new_totp_key())
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.enable_totp(user, key=key, token=form.cleaned_data["token"]):
            otp_login(request, TOTPDevice.objects.get(user=user, confirmed=True))
            del request.session[PENDING_TOTP_KEY]
            messages.success(request, _("Two-factor sign-in is on."))
            return HttpResponseRedirect(_safe_next(request, reverse("accounts:two_factor")))
        form.add_error(
            "token", _("That code is not valid. Check your device's clock and try again.")
        )
    config_url = actions.totp_config_url(user, key)
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = io.BytesIO()
    image.save(svg)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": False,
            "form": form,
            "qr_svg": svg.getvalue().decode(),
            "secret": config_url.split("secret=")[1].split("&")[0],
            "required": user.requires_two_factor,
        },
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered on the account when signed in."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        actions.update_own_preferences(request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        samesite="Lax",
        max_age=365 * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@login_required
def preferences(request: HttpRequest, new_token: str = "") -> HttpResponse:
    user = request.user
    form = PreferencesForm(
        None if new_token else request.POST or None,
        initial={"language": user.language, "timezone": user.timezone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_own_preferences(user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Preferences saved."))
            return redirect("accounts:preferences")
    tokens = user.api_tokens.all()
    return render(
        request,
        "accounts/preferences.html",
        {
            "form": form,
            "tokens": tokens,
            "has_two_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    _token, secret = actions.create_api_token(
        request.user, actor=request.user, name=request.POST.get("name", "")[:100]
    )
    # Shown in this response only: never stored in a message cookie or the session.
    return preferences(request, new_token=secret)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = request.user.api_tokens.filter(pk=pk).first()
    if token is not None:
        actions.revoke_api_token(token, actor=request.user)
        messages.success(request, _("Token revoked."))
    return redirect("accounts:preferences")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: Any) -> HttpResponse:
        actions.change_own_password(self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


# --- management pages ------------------------------------------------------------------


class OrganizationList(ObjectListView):
    model = Organization
    table_class = OrganizationTable
    filterset_class = OrganizationFilter
    permission = "accounts.view_organization"
    add_url_name = "accounts:organization_add"
    add_permission = "accounts.add_organization"


class OrganizationDetail(ObjectDetailView):
    model = Organization
    permission = "accounts.view_organization"
    customers_allowed = True
    template_name = "accounts/organization_detail.html"
    edit_url_name = "accounts:organization_edit"
    edit_permission = "accounts.change_organization"


class OrganizationEdit(ObjectFormView):
    model = Organization
    form_class = OrganizationForm
    permission = "accounts.change_organization"


class OrganizationAdd(OrganizationEdit):
    permission = "accounts.add_organization"


class UserList(ObjectListView):
    model = User
    table_class = UserTable
    filterset_class = UserFilter
    permission = "accounts.view_user"
    add_url_name = "accounts:user_add"
    add_permission = "accounts.add_user"


class UserDetail(ObjectDetailView):
    model = User
    permission = "accounts.view_user"
    template_name = "accounts/user_detail.html"
    edit_url_name = "accounts:user_edit"
    edit_permission = "accounts.change_user"


class UserEdit(ObjectFormView):
    model = User
    form_class = UserForm
    permission = "accounts.change_user"


class UserAdd(UserEdit):
    permission = "accounts.add_user"


class TeamList(ObjectListView):
    model = Team
    table_class = TeamTable
    filterset_class = TeamFilter
    permission = "accounts.view_team"
    add_url_name = "accounts:team_add"
    add_permission = "accounts.add_team"


class TeamDetail(ObjectDetailView):
    model = Team
    permission = "accounts.view_team"
    template_name = "accounts/team_detail.html"
    edit_url_name = "accounts:team_edit"
    edit_permission = "accounts.change_team"


class TeamEdit(ObjectFormView):
    model = Team
    form_class = TeamForm
    permission = "accounts.change_team"


class TeamAdd(TeamEdit):
    permission = "accounts.add_team"


class RoleList(ObjectListView):
    model = Role
    table_class = RoleTable
    filterset_class = RoleFilter
    permission = "accounts.view_role"


class RoleDetail(ObjectDetailView):
    model = Role
    members_shown = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        members = User.objects.filter(groups=self.object.group).select_related("organization")
        context["members"] = members.order_by("email")[: self.members_shown]
        context["member_count"] = members.count()
        return context

    permission = "accounts.view_role"
    template_name = "accounts/role_detail.html"
    edit_url_name = "accounts:role_edit"
    edit_permission = "accounts.change_role"


class RoleEdit(ObjectFormView):
    model = Role
    form_class = RoleForm
    permission = "accounts.change_role"
