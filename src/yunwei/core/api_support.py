"""Shared pieces of the REST API: authentication, the error format of API.md, list
pagination and ordering. Each app's `api.py` stays thin by leaning on these."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.db import DataError, IntegrityError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from yunwei.core.changes import StateConflict

logger = logging.getLogger(__name__)


# --- authentication --------------------------------------------------------------------


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from yunwei.accounts.actions import token_digest, touch_api_token
        from yunwei.accounts.models import ApiToken

        row = (
            ApiToken.objects.usable()
            .select_related("user__organization")
            .filter(key_hash=token_digest(token))
            .first()
        )
        if row is None or not row.user.is_active or not row.user.organization.is_active:
            return None
        touch_api_token(row)
        request.user = row.user
        return row.user


class VerifiedSession(SessionAuth):
    """The web session, provided two-factor sign-in was completed where required."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user and not user.organization.is_active:
            return None
        if user and user.requires_two_factor and not user.is_verified():
            return None
        return user


AUTH = [BearerToken(), VerifiedSession()]


# --- errors ----------------------------------------------------------------------------


def error_body(detail: str, errors: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"detail": detail, "errors": list(errors)}


def _field_name(loc: Sequence[Any]) -> str:
    # ninja locations look like ("body", "payload", "email", 0); keep what names the field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "filters", "data"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, status: int, detail: str, errors: Sequence[dict[str, str]] = ()
    ) -> HttpResponse:
        return api.create_response(request, error_body(detail, errors), status=status)

    @api.exception_handler(SchemaValidationError)
    def schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors
        ]
        return respond(request, 422, _("The request has invalid fields."), errors)

    @api.exception_handler(ValidationError)
    def model_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        status = 409 if isinstance(exc, StateConflict) else 422
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": "body" if name == "__all__" else name, "message": message}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "body", "message": message} for message in exc.messages]
        detail = errors[0]["message"] if len(errors) == 1 else _("The request has invalid fields.")
        return respond(request, status, detail, errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            _("Authentication required: a valid, unexpired token or a signed-in session."),
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or _("You are not allowed to do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    @api.exception_handler(UnicodeError)
    def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Safety net: values the database cannot hold (huge numbers, NUL or lone
        # surrogate characters) are the caller's error, never a 500.
        return respond(
            request, 422, _("A value is out of range or contains characters that cannot be stored.")
        )

    @api.exception_handler(IntegrityError)
    def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Two requests raced to create the same unique value; the loser is told so.
        return respond(
            request, 409, _("This conflicts with a record saved at the same moment; try again.")
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, _("The request body is too large."))


class Conflict(HttpError):
    """An action that is not possible in the object's current state (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


# --- lists -----------------------------------------------------------------------------


class ListParams(Schema):
    limit: int = 50
    offset: int = 0
    ordering: str = ""


def order(queryset: QuerySet, ordering: str, allowed: Sequence[str], default: str) -> QuerySet:
    """Apply `?ordering=a,-b` when every key is among `allowed`; 422 names a bad one."""
    keys = [key.strip() for key in (ordering or default).split(",") if key.strip()]
    for key in keys:
        if key.lstrip("-") not in allowed:
            raise ValidationError(
                {
                    "ordering": _("Cannot order by “%(key)s”; choose from: %(allowed)s.")
                    % {"key": key, "allowed": ", ".join(allowed)}
                }
            )
    return queryset.order_by(*keys, "pk")


def paginate(queryset: QuerySet, params: ListParams, max_limit: int = 500) -> dict[str, Any]:
    if params.limit < 1 or params.limit > max_limit:
        raise ValidationError({"limit": _("Must be between 1 and %(max)s.") % {"max": max_limit}})
    if not 0 <= params.offset <= 10**9:
        raise ValidationError({"offset": _("Must be between 0 and 1000000000.")})
    return {
        "count": queryset.count(),
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }


def changes_of(payload: Schema, nullable: Sequence[str] = ()) -> dict[str, Any]:
    """The fields a PATCH sets; null is refused, naming the field, unless `nullable`."""
    changes = payload.dict(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None and name not in nullable]
    if nulls:
        raise ValidationError({name: _("This field cannot be null.") for name in nulls})
    return changes


def visible_ref(
    model: type[Model], user: Any, pk: int | None, field: str, message: str = ""
) -> Any:
    """The object a request body names by id, if the user may see it; None for None. An
    unknown or invisible id is the caller's error on `field` (422), never revealed."""
    if pk is None:
        return None
    obj = model._default_manager.visible_to(user).filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise ValidationError({field: (message or _("Unknown id: %(ids)s.")) % {"ids": pk}})
    return obj


def visible_refs(
    model: type[Model], user: Any, pks: list[int], field: str, message: str = ""
) -> list[Any]:
    """The objects a request body names by a list of ids; every unknown one is named."""
    found = list(model._default_manager.visible_to(user).filter(pk__in=pks))  # type: ignore[attr-defined]
    missing = sorted(set(pks) - {obj.pk for obj in found})
    if missing:
        ids = ", ".join(map(str, missing))
        raise ValidationError({field: (message or _("Unknown id: %(ids)s.")) % {"ids": ids}})
    return found


def get_visible(queryset: QuerySet, user: Any, pk: int) -> Any:
    """The object if the user may see it; 404 otherwise — never revealing that it exists."""
    obj = queryset.visible_to(user).filter(pk=pk).first()  # type: ignore[attr-defined]
    if obj is None:
        raise Http404
    return obj
