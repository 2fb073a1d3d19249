"""Generic registry views (after NetBox): list, detail, edit, delete — all scoped.

A registry page costs a model, a filterset, a form and four one-line view classes. Every
queryset goes through ``restrict(user, action)``; what it drops answers 404.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.views import View

from .. import services
from ..choices import Action
from ..models import AuditEvent

EXPORT_LIMIT = 100_000


@dataclass
class Column:
    """A table column: a model field name or a dotted accessor, with an optional label."""

    name: str
    label: str | None = None
    link: bool = False
    sortable: bool = True

    def header(self, model) -> str:
        if self.label:
            return force_str(self.label)
        try:
            return force_str(model._meta.get_field(self.name.split(".")[0]).verbose_name)
        except Exception:
            return self.name

    def value(self, obj):
        target = obj
        parts = self.name.split(".")
        for i, part in enumerate(parts):
            if target is None:
                return ""
            if i == len(parts) - 1 and hasattr(target, f"get_{part}_display"):
                return getattr(target, f"get_{part}_display")()
            try:
                field = target._meta.get_field(part) if isinstance(target, Model) else None
            except Exception:
                field = None
            if field is not None and field.many_to_many:
                return "、".join(str(o) for o in getattr(target, part).all())
            target = getattr(target, part, None)
            if callable(target):
                target = target()
        if target is None:
            return ""
        if isinstance(target, bool):
            return _("Yes") if target else _("No")
        if isinstance(target, dt.datetime):
            return timezone.localtime(target).strftime("%Y-%m-%d %H:%M")
        return target


def _columns(spec) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c) for c in spec]


class ScopedObjectMixin(LoginRequiredMixin):
    model = None
    action = Action.VIEW
    raise_exception = False

    def base_queryset(self, action=None):
        return self.model._default_manager.restrict(self.request.user, action or self.action)

    def get_object(self, action=None):
        return get_object_or_404(self.base_queryset(action), pk=self.kwargs["pk"])

    def url(self, suffix, *args):
        return reverse(f"{self.url_base}_{suffix}", args=args)

    @property
    def url_base(self) -> str:
        return getattr(self, "url_prefix", None) or (
            f"{self.model._meta.app_label}:{self.model._meta.model_name}"
        )

    def may_create(self) -> bool:
        from ..scoping import may_create

        return may_create(self.request.user, self.model)

    def can(self, action) -> bool:
        from ..scoping import may_act

        return may_act(self.request.user, action)

    def common_context(self):
        opts = self.model._meta
        return {
            "opts": opts,
            "verbose_name": opts.verbose_name,
            "verbose_name_plural": opts.verbose_name_plural,
            "url_base": self.url_base,
        }


class ObjectListView(ScopedObjectMixin, View):
    """Table with filters, search, sorting, pagination, and CSV / Excel export."""

    columns: list = []
    filterset_class = None
    search_fields: list[str] = []
    paginate_by = 25
    template_name = "generic/list.html"
    can_add = True
    title = None
    select_related: list[str] = []

    def get_queryset(self):
        qs = self.base_queryset()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def filtered(self, request):
        qs = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=qs, request=request)
            if filterset.is_bound and filterset.is_valid():
                qs = filterset.qs
            elif filterset.is_bound:
                qs = qs.none()
        q = request.GET.get("q", "").strip()
        if q and self.search_fields:
            cond = Q()
            for field in self.search_fields:
                cond |= Q(**{f"{field}__icontains": q})
            qs = qs.filter(cond)
        sort = request.GET.get("sort", "")
        columns = _columns(self.columns)
        sortable = {c.name.replace(".", "__") for c in columns if c.sortable}
        if sort.lstrip("-") in sortable:
            qs = qs.order_by(sort.replace(".", "__"), "pk")
        return qs.distinct() if filterset is not None else qs, filterset, q, sort

    def get(self, request, *args, **kwargs):
        qs, filterset, q, sort = self.filtered(request)
        columns = _columns(self.columns)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return self.export(qs, columns, export)
        paginator = Paginator(qs, self.paginate_by)
        page = paginator.get_page(request.GET.get("page"))
        labels = [c.header(self.model) for c in columns]
        rows = [
            {
                "obj": obj,
                "cells": [
                    {"label": lab, "value": c.value(obj)}
                    for lab, c in zip(labels, columns, strict=True)
                ],
            }
            for obj in page.object_list
        ]
        params = request.GET.copy()
        params.pop("page", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        context = {
            **self.common_context(),
            "title": self.title or self.model._meta.verbose_name_plural,
            "headers": [
                {"label": c.header(self.model), "sort": c.name if c.sortable else None}
                for c in columns
            ],
            "link_index": next((i for i, c in enumerate(columns) if c.link), 0),
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "filterset": filterset,
            "q": q,
            "sort": sort,
            "querystring": params.urlencode(),
            "sort_querystring": sort_params.urlencode(),
            "search_enabled": bool(self.search_fields),
            "can_add": self.can_add and self.may_create(),
        }
        return render(request, self.template_name, context)

    def export(self, qs, columns, kind):
        headers = [c.header(self.model) for c in columns]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"{self.model._meta.model_name}-{stamp}"
        qs = qs[:EXPORT_LIMIT]
        if kind == "csv":

            def rows():
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly with a BOM
                writer.writerow(headers)
                for obj in qs.iterator(chunk_size=2000):
                    writer.writerow([force_str(c.value(obj)) for c in columns])
                    if buffer.tell() > 65536:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
                yield buffer.getvalue()

            response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=force_str(self.model._meta.verbose_name_plural)[:31])
        for i, header in enumerate(headers):
            ws.column_dimensions[get_column_letter(i + 1)].width = max(12, len(header) * 2 + 4)
        bold = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = Font(bold=True)
            bold.append(cell)
        ws.append(bold)
        for obj in qs.iterator(chunk_size=2000):
            row = []
            for c in columns:
                value = c.value(obj)
                row.append(
                    value
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else force_str(value)
                )
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


class ObjectDetailView(ScopedObjectMixin, View):
    template_name = "generic/detail.html"
    editable = True
    fields: list | None = None
    related: list[tuple] = []  # (title, callable(obj, user) -> queryset, columns, url_base)

    def detail_fields(self, obj):
        names = self.fields or [
            f.name for f in self.model._meta.fields if f.name not in {"id", "path", "password"}
        ] + [f.name for f in self.model._meta.many_to_many]
        return [{"label": c.header(self.model), "value": c.value(obj)} for c in _columns(names)]

    def extra_context(self, obj) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        related = []
        for title, getter, cols, url_base in self.related:
            qs = getter(obj, request.user)
            cols = _columns(cols)
            related.append(
                {
                    "title": title,
                    "headers": [c.header(qs.model) for c in cols],
                    "rows": [{"obj": o, "cells": [c.value(o) for c in cols]} for o in qs[:200]],
                    "url_base": url_base,
                    "count": qs.count(),
                }
            )
        history = AuditEvent.objects.restrict(request.user).filter(
            object_type=self.model._meta.label_lower, object_id=str(obj.pk)
        )[:20]
        can_change = self.editable and self.base_queryset(Action.CHANGE).filter(pk=obj.pk).exists()
        context = {
            **self.common_context(),
            "object": obj,
            "fields": self.detail_fields(obj),
            "related": related,
            "history": history,
            "can_change": can_change,
            "can_delete": self.editable
            and self.base_queryset(Action.DELETE).filter(pk=obj.pk).exists(),
            **self.extra_context(obj),
        }
        return render(request, self.template_name, context)


class ObjectEditView(ScopedObjectMixin, View):
    """Create (no pk) or edit; saving goes through ``services.object_save``."""

    form_class = None
    template_name = "generic/edit.html"
    action = Action.CHANGE

    def get_form(self, data=None, instance=None):
        form = self.form_class(data=data, instance=instance, user=self.request.user)
        return form

    def get_instance(self):
        if "pk" in self.kwargs:
            return self.get_object(Action.CHANGE)
        from ..scoping import may_create

        if not may_create(self.request.user, self.model):
            raise Http404
        return self.model()

    def render_form(self, form, instance):
        return render(
            self.request,
            self.template_name,
            {
                **self.common_context(),
                "form": form,
                "object": instance,
                "creating": instance.pk is None,
            },
        )

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        return self.render_form(self.get_form(instance=instance), instance)

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                obj = services.object_save(actor=request.user, instance=form.instance, form=form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
                return self.render_form(form, instance)
            messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
            return redirect(self.url("detail", obj.pk))
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


class ObjectDeleteView(ScopedObjectMixin, View):
    template_name = "generic/delete.html"
    action = Action.DELETE

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return render(request, self.template_name, {**self.common_context(), "object": obj})

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        from django.db.models import ProtectedError

        try:
            services.object_delete(actor=request.user, instance=obj)
        except ProtectedError:
            messages.error(
                request, _("%(obj)s is still in use and cannot be deleted.") % {"obj": obj}
            )
            return redirect(self.url("detail", obj.pk))
        messages.success(request, _("Deleted: %(obj)s") % {"obj": obj})
        return redirect(self.url("list"))


class ScopedModelForm(forms.ModelForm):
    """ModelForm whose foreign-key choices are limited to what the user may see."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "restrict") and user is not None:
                field.queryset = qs.restrict(user)
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue  # styled by .checkbox-grid (attrs would also land on the container)
            css = (
                "form-select"
                if isinstance(widget, forms.Select | forms.SelectMultiple)
                else (
                    "form-check-input"
                    if isinstance(widget, forms.CheckboxInput)
                    else "form-control"
                )
            )
            widget.attrs.setdefault("class", css)


def registry_urls(prefix: str, name: str, list_view, detail_view, edit_view, delete_view):
    from django.urls import path

    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/add/", edit_view.as_view(), name=f"{name}_add"),
        path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit_view.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"),
    ]


__all__ = [
    "Column",
    "ObjectListView",
    "ObjectDetailView",
    "ObjectEditView",
    "ObjectDeleteView",
    "ScopedModelForm",
    "registry_urls",
    "PermissionDenied",
]
