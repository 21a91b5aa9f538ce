"""Generic pages, so that each model's list, detail and edit pages are a few
declarative lines. One view serves the full page and, for HTMX requests, the fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from yunwei.core.models import AuditEntry


class PermissionMixin(LoginRequiredMixin):
    """Requires `permission` of provider staff; customers' users read only what their
    organization owns, which `visible_to` already restricts."""

    permission: str = ""
    customers_allowed = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = request.user
        if user.is_authenticated:
            if user.is_provider_staff:
                if self.permission and not user.has_perm(self.permission):
                    raise PermissionDenied
            elif not self.customers_allowed:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def visible(model: type[Model], user: Any) -> QuerySet:
    queryset = model._default_manager.visible_to(user)  # type: ignore[attr-defined]
    return queryset.for_list() if hasattr(queryset, "for_list") else queryset


class ObjectListView(PermissionMixin, SingleTableMixin, FilterView):
    template_name = "core/object_list.html"
    fragment_template = "core/partials/_object_table.html"
    paginate_by = None  # django-tables2 paginates
    table_pagination = {"per_page": 25}
    add_url_name = ""
    add_permission = ""

    def get_queryset(self) -> QuerySet:
        return visible(self.model, self.request.user)

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [self.fragment_template]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = self.model._meta.verbose_name_plural
        context["verbose_name"] = self.model._meta.verbose_name
        context["can_add"] = bool(self.add_url_name) and self.request.user.has_perm(
            self.add_permission
        )
        context["add_url_name"] = self.add_url_name
        return context


class ObjectDetailView(PermissionMixin, DetailView):
    template_name = "core/object_detail.html"
    context_object_name = "object"  # never `user`: that name is the signed-in user
    edit_url_name = ""
    edit_permission = ""
    history_limit = 50

    def get_queryset(self) -> QuerySet:
        return visible(self.model, self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        may_read_history = not user.is_provider_staff or user.has_perm("core.view_auditentry")
        history = (
            AuditEntry.objects.visible_to(user) if may_read_history else AuditEntry.objects.none()
        )
        context["history"] = history.for_object(self.object)[: self.history_limit]
        context["can_edit"] = bool(self.edit_url_name) and user.has_perm(self.edit_permission)
        context["edit_url_name"] = self.edit_url_name
        return context


class ObjectFormView(PermissionMixin, View):
    """Create (no pk) or edit (pk) through a form whose `save(actor=)` calls an action."""

    model: type[Model]
    form_class: Any
    template_name = "core/object_form.html"
    success_url_name = ""

    def get_object(self, pk: int | None) -> Model | None:
        if pk is None:
            return None
        obj = visible(self.model, self.request.user).filter(pk=pk).first()
        if obj is None:
            raise Http404
        return obj

    def form_kwargs(self) -> dict[str, Any]:
        return {"actor": self.request.user}

    def render_form(self, form: Any, obj: Model | None) -> HttpResponse:
        title = (
            _("Edit %(object)s") % {"object": obj}
            if obj
            else _("New %(model)s") % {"model": self.model._meta.verbose_name}
        )
        return render(
            self.request, self.template_name, {"form": form, "object": obj, "title": title}
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        return self.render_form(self.form_class(instance=obj, **self.form_kwargs()), obj)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        form = self.form_class(request.POST, instance=obj, **self.form_kwargs())
        saved = form.save(actor=request.user) if form.is_valid() else None
        if saved is None:
            return self.render_form(form, obj)
        messages.success(request, _("Saved %(object)s.") % {"object": saved})
        return HttpResponseRedirect(saved.get_absolute_url())
