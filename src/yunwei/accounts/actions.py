"""Every change to organizations, users, teams, roles and tokens — the only writers.

Each action runs in one transaction, checks that the actor may do it, and writes the
audit entry. Validation errors carry the field they concern.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import ApiToken, Organization, OrganizationKind, Role, Team, User
from yunwei.core import audit
from yunwei.core.changes import apply_changes
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible

ORGANIZATION_FIELDS = ("name", "code", "kind", "is_active")
USER_FIELDS = (
    "email",
    "name",
    "organization",
    "phone",
    "language",
    "timezone",
    "is_active",
    "is_organization_admin",
    "is_staff",
    "is_superuser",
)
TEAM_FIELDS = ("name", "description", "email", "lead", "members")
TOKEN_PREFIX = "yw_"  # noqa: S105 - a visible marker, not a secret


def _full_clean(obj: Any, *, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_constraints=False)


# --- organizations ---------------------------------------------------------------------


def _require_superuser_for_provider(actor: User | None, kind: str) -> None:
    """Whoever belongs to a provider organization sees every customer: only a superuser
    may create one or change an organization's kind."""
    if kind == OrganizationKind.PROVIDER and actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser can create or change provider organizations."))


@transaction.atomic
def create_organization(
    *, actor: User | None, name: str, code: str, kind: str = "customer", is_active: bool = True
) -> Organization:
    require_permission(actor, "accounts.add_organization")
    _require_superuser_for_provider(actor, kind)
    org = Organization(name=name, code=code, kind=kind, is_active=is_active)
    _full_clean(org)
    org.save()
    audit.record_create(org, ORGANIZATION_FIELDS, actor=actor)
    return org


@transaction.atomic
def update_organization(org: Organization, *, actor: User | None, **changes: Any) -> Organization:
    require_permission(actor, "accounts.change_organization")
    require_visible(actor, org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = audit.snapshot(org, ORGANIZATION_FIELDS)
    if changes.get("kind", org.kind) != org.kind:
        _require_superuser_for_provider(actor, OrganizationKind.PROVIDER)
    apply_changes(org, ORGANIZATION_FIELDS, changes)
    _full_clean(org)
    changed = audit.diff(before, audit.snapshot(org, ORGANIZATION_FIELDS))
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=org, changes=changed)
    return org


@transaction.atomic
def delete_organization(org: Organization, *, actor: User | None) -> None:
    require_permission(actor, "accounts.delete_organization")
    require_visible(actor, org)
    if org.users.exists():
        raise ValidationError(
            _("This organization still has users; deactivate it instead."), code="protected"
        )
    audit.record_delete(org, ORGANIZATION_FIELDS, actor=actor)
    try:
        with transaction.atomic():
            org.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Agreements, rules or records still refer to this organization; deactivate it "
                "instead."
            ),
            code="protected",
        ) from error


# --- users -----------------------------------------------------------------------------


def _require_may_manage(actor: User | None, user: User) -> None:
    """Changing someone else's account needs `change_user` and sight of them; only a
    superuser may touch a superuser's account."""
    if actor is None or actor.pk == user.pk:
        return
    require_permission(actor, "accounts.change_user")
    require_visible(actor, user)
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser can change a superuser's account."))


def _check_roles_fit(organization: Organization, roles: Iterable[str]) -> None:
    """Roles beyond requesting are the provider's: a customer's user with them would
    gain the provider's view of every organization."""
    staff_roles = sorted(set(roles) - {"requester"})
    if staff_roles and organization.kind != OrganizationKind.PROVIDER:
        raise ValidationError(
            {
                "roles": _("Only the provider's users can have these roles: %(roles)s.")
                % {"roles": ", ".join(staff_roles)}
            }
        )


def _check_organization_admin_fits(user: User) -> None:
    """Organization admins are a customer's users: the provider's staff see every ticket
    anyway, and the flag on them would say something untrue."""
    if user.is_organization_admin and user.organization.kind != OrganizationKind.CUSTOMER:
        raise ValidationError(
            {
                "is_organization_admin": _(
                    "Only users of a customer organization can be organization admins."
                )
            }
        )


def _role_groups(codes: Iterable[str]) -> list[Group]:
    codes = list(dict.fromkeys(codes))
    roles = {
        role.code: role.group
        for role in Role.objects.select_related("group").filter(code__in=codes)
    }
    unknown = [code for code in codes if code not in roles]
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    return [roles[code] for code in codes]


def _user_state(user: User) -> dict[str, Any]:
    """The audited state of a user: its fields and its role codes."""
    roles = sorted(Role.objects.filter(group__user=user).values_list("code", flat=True))
    return {**audit.snapshot(user, USER_FIELDS), "roles": roles}


def _check_email_free(email: str, *, exclude_pk: int | None = None) -> None:
    clash = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"email": _("A user with this e-mail address already exists.")}, code="unique"
        )


def _check_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


def _check_organization_visible(actor: User | None, organization: Organization) -> None:
    if (
        actor is not None
        and not Organization.objects.visible_to(actor).filter(pk=organization.pk).exists()
    ):
        raise ValidationError({"organization": _("Unknown organization.")})


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    email: str,
    organization: Organization,
    name: str = "",
    roles: Iterable[str] = (),
    password: str | None = None,
    phone: str = "",
    language: str | None = None,
    timezone: str | None = None,
    is_active: bool = True,
    is_organization_admin: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    require_permission(actor, "accounts.add_user")
    if (is_superuser or is_staff) and actor is not None and not actor.is_superuser:
        raise ValidationError(
            {"is_superuser": _("Only a superuser can grant administrator access.")}
        )
    _check_organization_visible(actor, organization)
    user = User(
        email=User.objects.normalize_email(email).strip().lower(),
        name=name,
        organization=organization,
        phone=phone,
        language=language or settings.LANGUAGE_CODE,
        timezone=timezone or settings.DEFAULT_USER_TIMEZONE,
        is_active=is_active,
        is_organization_admin=is_organization_admin,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    _full_clean(user, exclude=["password"])
    _check_organization_admin_fits(user)
    _check_email_free(user.email)
    roles = list(roles)
    _check_roles_fit(organization, roles)
    groups = _role_groups(roles)
    if password:
        _check_password(user, password)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(groups)
    audit.record(
        actor=actor, action=AuditAction.CREATE, obj=user, changes=audit.diff({}, _user_state(user))
    )
    return user


@transaction.atomic
def update_user(
    user: User,
    *,
    actor: User | None,
    roles: Iterable[str] | None = None,
    password: str | None = None,
    **changes: Any,
) -> User:
    require_permission(actor, "accounts.change_user")
    require_visible(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_may_manage(actor, user)
    before = _user_state(user)
    if (
        ("is_superuser" in changes or "is_staff" in changes)
        and actor is not None
        and not actor.is_superuser
    ):
        raise ValidationError(
            {"is_superuser": _("Only a superuser can grant administrator access.")}
        )
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"]).strip().lower()
        _check_email_free(changes["email"], exclude_pk=user.pk)
    if "organization" in changes:
        _check_organization_visible(actor, changes["organization"])
        if changes["organization"].kind != OrganizationKind.PROVIDER and (
            user.teams.exists() or user.led_teams.exists()
        ):
            raise ValidationError(
                {"organization": _("Take this user out of the provider's teams first.")}
            )
    apply_changes(user, USER_FIELDS, changes)
    _full_clean(user, exclude=["password"])
    _check_organization_admin_fits(user)
    _check_roles_fit(user.organization, before["roles"] if roles is None else roles)
    if roles is not None:
        user.groups.set(_role_groups(roles))
    if password:
        _check_password(user, password)
        user.set_password(password)
    after = _user_state(user)
    changed = audit.diff(before, after)
    if password:
        changed["password"] = [audit.REDACTED, audit.REDACTED]
    if changed:
        user.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=user, changes=changed)
    return user


@transaction.atomic
def change_own_password(user: User, *, password: str) -> None:
    """A user changing their own password (the form has checked the old one)."""
    _check_password(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"password": [audit.REDACTED, audit.REDACTED]},
    )


@transaction.atomic
def reset_password(user: User, *, password: str) -> None:
    """A password set through an e-mailed reset link (the link proved the mailbox)."""
    _check_password(user, password)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"password": [audit.REDACTED, audit.REDACTED], "reset": [None, "e-mail link"]},
    )


@transaction.atomic
def update_own_preferences(
    user: User, *, language: str | None = None, timezone: str | None = None
) -> User:
    before = audit.snapshot(user, ("language", "timezone"))
    if language is not None:
        user.language = language
    if timezone is not None:
        user.timezone = timezone
    _full_clean(user, exclude=["password"])
    changed = audit.diff(before, audit.snapshot(user, ("language", "timezone")))
    if changed:
        user.save(update_fields=list(changed))
        audit.record(actor=user, action=AuditAction.UPDATE, obj=user, changes=changed)
    return user


# --- teams -----------------------------------------------------------------------------


def _check_team_people(actor: User | None, lead: User | None, members: Iterable[User]) -> None:
    people = [*members, *([lead] if lead else [])]
    outsiders = [p.email for p in people if not p.is_provider_staff]
    if outsiders:
        raise ValidationError(
            {
                "members": _("Only the provider's staff can be in a team: %(emails)s.")
                % {"emails": ", ".join(outsiders)}
            }
        )


@transaction.atomic
def create_team(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    email: str = "",
    lead: User | None = None,
    members: Iterable[User] = (),
) -> Team:
    require_permission(actor, "accounts.add_team")
    members = list(members)
    _check_team_people(actor, lead, members)
    team = Team(name=name, description=description, email=email, lead=lead)
    _full_clean(team)
    team.save()
    team.members.set(members)
    audit.record_create(team, TEAM_FIELDS, actor=actor)
    return team


@transaction.atomic
def update_team(team: Team, *, actor: User | None, **changes: Any) -> Team:
    require_permission(actor, "accounts.change_team")
    require_visible(actor, team)
    # The stored team, not the caller's copy: a form may already have changed its lead.
    team = Team.objects.select_for_update().get(pk=team.pk)
    if (
        actor is not None
        and not actor.has_role("admin")
        and not actor.is_superuser
        and team.lead_id != actor.pk
    ):
        raise PermissionDenied(_("Team leads may change only the teams they lead."))
    before = audit.snapshot(team, TEAM_FIELDS)
    members = changes.pop("members", None)
    apply_changes(team, set(TEAM_FIELDS) - {"members"}, changes)
    _check_team_people(actor, team.lead, members if members is not None else [])
    _full_clean(team)
    if members is not None:
        team.members.set(members)
    changed = audit.diff(before, audit.snapshot(team, TEAM_FIELDS))
    if changed:
        team.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=team, changes=changed)
    return team


@transaction.atomic
def delete_team(team: Team, *, actor: User | None) -> None:
    require_permission(actor, "accounts.delete_team")
    require_visible(actor, team)
    audit.record_delete(team, TEAM_FIELDS, actor=actor)
    try:
        with transaction.atomic():
            team.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "Services, agreements or assignment rules still refer to this team; reassign "
                "them first."
            ),
            code="protected",
        ) from error


# --- roles -----------------------------------------------------------------------------


@transaction.atomic
def update_role(role: Role, *, actor: User | None, require_two_factor: bool) -> Role:
    require_permission(actor, "accounts.change_role")
    if role.require_two_factor != require_two_factor:
        before = {"require_two_factor": role.require_two_factor}
        role.require_two_factor = require_two_factor
        role.save(update_fields=["require_two_factor"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=role,
            changes=audit.diff(before, {"require_two_factor": require_two_factor}),
        )
    return role


# --- API tokens ------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(
    user: User, *, actor: User | None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is never stored or shown again."""
    _require_may_manage(actor, user)
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3660:
        raise ValidationError({"days": _("A token is valid for 1 to 3660 days.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        key_hash=token_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=token,
        organization_id=user.organization_id,
        changes={
            "user": [None, user.pk],
            "name": [None, name],
            "expires_at": [None, token.expires_at],
        },
    )
    return token, secret


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User | None) -> ApiToken:
    _require_may_manage(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=token,
            organization_id=token.user.organization_id,
            changes={"revoked_at": [None, token.revoked_at]},
        )
    return token


def touch_api_token(token: ApiToken) -> None:
    """Note when a token was last used — at most once a minute, so that reads stay reads."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


# --- two-factor sign-in (TOTP) ---------------------------------------------------------


def new_totp_key() -> str:
    """A fresh authenticator secret; nothing is stored until the user proves they hold it."""
    from django_otp.util import random_hex

    return random_hex(20)


def totp_config_url(user: User, key: str) -> str:
    """The otpauth:// URL an authenticator app scans for `key`."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return str(TOTPDevice(user=user, key=key, name=_("Authenticator app")).config_url)


@transaction.atomic
def enable_totp(user: User, *, key: str, token: str) -> bool:
    """Turns two-factor sign-in on when `token` is a current code for `key`."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice(user=user, key=key, name=_("Authenticator app"), confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    token = token.strip()
    if not token.isdigit() or not totp.verify(int(token), device.tolerance):
        return False
    device.last_t = totp.t()  # the code just used cannot sign in again
    TOTPDevice.objects.filter(user=user).delete()
    device.save()
    audit.record(
        actor=user, action=AuditAction.UPDATE, obj=user, changes={"two_factor": [False, True]}
    )
    return True


@transaction.atomic
def remove_totp_devices(user: User, *, actor: User | None) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_may_manage(actor, user)
    if user.requires_two_factor and actor is not None and actor.pk == user.pk:
        raise ValidationError(_("Your role requires two-factor sign-in; it cannot be turned off."))
    deleted, _details = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=user, changes={"two_factor": [True, False]}
        )
