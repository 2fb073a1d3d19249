"""Forms of the alerts pages."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dixian.core import clock
from dixian.core.models import Division
from dixian.core.views.generic import ScopedModelForm

from . import catalogue, geo
from .models import TARGETABLE_ROLES, CapFeed, ContactEntry, Level

# What <input type="datetime-local"> shows and sends (local time, no zone).
LOCAL_INPUT = "%Y-%m-%dT%H:%M"

CHECKLIST = [
    ("people_moved", _("People in danger zones moved to safety")),
    ("patrols", _("Patrols of dikes, slopes and reservoirs under way")),
    ("on_duty", _("Leaders at their posts, 24-hour duty")),
    ("broadcast", _("Warning broadcast to residents (loudspeaker, gong, door to door)")),
    ("supplies", _("Rescue supplies and teams ready")),
]


class WarningForm(forms.Form):
    kind = forms.ChoiceField(label=_("Warning type"))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    headline = forms.CharField(label=_("Headline"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    instruction = forms.CharField(
        label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    divisions = forms.ModelMultipleChoiceField(
        label=_("Townships and villages"),
        queryset=Division.objects.filter(level__in=["township", "village"]).order_by("path"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    polygon = forms.CharField(
        label=_("Or an area drawn on the map"),
        required=False,
        widget=forms.HiddenInput(attrs={"data-polygon-input": "1"}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Who is called"),
        choices=[(r.value, r.label) for r in TARGETABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        initial=[r.value for r in TARGETABLE_ROLES],
    )
    effective_at = forms.DateTimeField(
        label=_("Effective from"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = catalogue.type_choices()
        now = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
        self.fields["effective_at"].initial = now
        self.fields["expires_at"].initial = now + dt.timedelta(hours=24)
        for name, field in self.fields.items():
            if name in ("roles", "polygon"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_polygon(self):
        raw = self.cleaned_data.get("polygon", "").strip()
        if not raw:
            return None
        try:
            points = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The drawn area could not be read.")) from None
        if points and points[0] != points[-1]:
            points = [*points, points[0]]
        problem = geo.polygon_problem(points)
        if problem:
            raise forms.ValidationError(problem)
        return points


class UpdateForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=Level.choices)
    headline = forms.CharField(label=_("Headline"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Measures taken"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    checklist = forms.MultipleChoiceField(
        label=_("Checklist"), choices=CHECKLIST, required=False, widget=forms.CheckboxSelectMultiple
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The photo must be smaller than 5 MB."))
        return photo


class ResponseForm(forms.Form):
    people_withdrawn = forms.IntegerField(
        label=_("People withdrawn"),
        min_value=0,
        max_value=100000,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class CapUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CAP 1.2 file"), widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ContactEntryForm(ScopedModelForm):
    class Meta:
        model = ContactEntry
        fields = [
            "division",
            "role",
            "facility",
            "person",
            "deputy",
            "superior",
            "org",
            "is_active",
        ]


class CapFeedForm(ScopedModelForm):
    class Meta:
        model = CapFeed
        fields = ["name", "url", "mode", "auto_min_level", "interval_minutes", "enabled"]
