from django import forms
from django.db import models
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from dixian.core.views.generic import ScopedModelForm

from .models import DrillAction, PlanRecord


def _widget(field, **kwargs):
    if isinstance(field, models.DateTimeField):
        kwargs["widget"] = forms.DateTimeInput(attrs={"type": "datetime-local"})
    elif isinstance(field, models.DateField):
        kwargs["widget"] = forms.DateInput(attrs={"type": "date"})
    elif isinstance(field, models.TextField):
        kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
    return field.formfield(**kwargs)


def form_for(model, fields):
    return modelform_factory(model, form=ScopedModelForm, fields=fields, formfield_callback=_widget)


def style(form):
    for field in form.fields.values():
        w = field.widget
        w.attrs.setdefault(
            "class", "form-select" if isinstance(w, forms.Select) else "form-control"
        )
    return form


class VersionForm(forms.Form):
    version = forms.CharField(label=_("version"), max_length=30)
    file = forms.FileField(label=_("file (PDF, Word or OFD, at most 20 MB)"))
    note = forms.CharField(label=_("note"), max_length=300, required=False)


RecordForm = form_for(PlanRecord, ["kind", "on", "authority", "reference", "result"])
ActionForm = form_for(DrillAction, ["text", "owner", "due_on"])


class CloseActionForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("closed on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("how it was done"), max_length=300)


class StockForm(forms.Form):
    delta = forms.DecimalField(label=_("change (+ in, − out)"), max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("reason"), max_length=200)


class PointForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)
