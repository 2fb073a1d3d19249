from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.choices import OrgKind
from dixian.core.views.generic import ScopedModelForm

from .models import (
    Accident,
    AccountabilityDecision,
    Bulletin,
    DishonestyListing,
    FourNoItem,
    Investigation,
    Nature,
    SupplementaryReport,
)

DT = {"type": "datetime-local"}
DATE = {"type": "date"}


class AccidentForm(ScopedModelForm):
    """The first report: the six items of 493号令 Art. 12 and the times of the chain."""

    received_at = forms.DateTimeField(
        label=_("time the county received the report"),
        required=False,
        widget=forms.DateTimeInput(attrs=DT),
        help_text=_("Leave empty for now."),
    )

    class Meta:
        model = Accident
        fields = [
            "title",
            "kind",
            "category",
            "unit",
            "industry",
            "unit_overview",
            "occurred_at",
            "place",
            "scene",
            "course",
            "deaths",
            "missing",
            "serious_injuries",
            "direct_loss_yuan",
            "measures",
            "other",
            "endangered",
            "trapped",
            "evacuated",
            "learned_at",
            "received_at",
            "reporter",
            "reporter_phone",
        ]
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs=DT),
            "learned_at": forms.DateTimeInput(attrs=DT),
            "unit_overview": forms.Textarea(attrs={"rows": 2}),
            "scene": forms.Textarea(attrs={"rows": 2}),
            "course": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 2}),
            "other": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = self.fields["unit"].queryset.exclude(
            kind__in=[OrgKind.VILLAGE_COMMITTEE]
        )


class SupplementForm(ScopedModelForm):
    class Meta:
        model = SupplementaryReport
        fields = ["deaths", "missing", "serious_injuries", "direct_loss_yuan", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ForwardForm(forms.Form):
    at = forms.DateTimeField(
        label=_("forwarded at"),
        required=False,
        widget=forms.DateTimeInput(attrs={**DT, "class": "form-control"}),
        help_text=_("Leave empty for now."),
    )


class InvestigationForm(ScopedModelForm):
    class Meta:
        model = Investigation
        fields = ["lead", "members", "started_on"]
        widgets = {
            "started_on": forms.DateInput(attrs=DATE),
            "members": forms.Textarea(attrs={"rows": 2}),
        }


class ExtensionForm(forms.Form):
    extension_days = forms.IntegerField(
        label=_("approved extension (days)"), min_value=0, max_value=60
    )
    extension_approval = forms.CharField(
        label=_("extension approved by"), max_length=200, required=False
    )
    appraisal_days = forms.IntegerField(
        label=_("technical appraisal (days)"), min_value=0, max_value=3650
    )


class ReportForm(forms.Form):
    course = forms.CharField(
        label=_("course of the accident and rescue"), widget=forms.Textarea(attrs={"rows": 3})
    )
    causes = forms.CharField(
        label=_("direct and indirect causes"), widget=forms.Textarea(attrs={"rows": 3})
    )
    nature = forms.ChoiceField(label=_("nature"), choices=[c for c in Nature.choices if c[0]])
    responsibility = forms.CharField(
        label=_("responsibility and proposed handling"), widget=forms.Textarea(attrs={"rows": 3})
    )
    measures = forms.CharField(
        label=_("prevention and rectification measures"), widget=forms.Textarea(attrs={"rows": 3})
    )
    submitted_on = forms.DateField(
        label=_("report submitted on"), widget=forms.DateInput(attrs=DATE)
    )


class DateForm(forms.Form):
    on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs=DATE))


class EvidenceForm(forms.Form):
    item = forms.ChoiceField(label=pgettext_lazy("accident", "item"), choices=FourNoItem.choices)
    evidence = forms.CharField(
        label=pgettext_lazy("accident", "evidence"), widget=forms.Textarea(attrs={"rows": 2})
    )


def style(form):
    for field in form.fields.values():
        w = field.widget
        w.attrs.setdefault(
            "class", "form-select" if isinstance(w, forms.Select) else "form-control"
        )
    return form


class DecisionForm(ScopedModelForm):
    class Meta:
        model = AccountabilityDecision
        fields = [
            "accident",
            "person_name",
            "person_post",
            "org",
            "measure",
            "fine_yuan",
            "detail",
            "decided_on",
            "decided_by",
        ]
        widgets = {
            "decided_on": forms.DateInput(attrs=DATE),
            "detail": forms.Textarea(attrs={"rows": 3}),
        }


class ListingForm(ScopedModelForm):
    class Meta:
        model = DishonestyListing
        fields = ["subject", "person_name", "accident", "reason", "listed_on", "expires_on"]
        widgets = {
            "listed_on": forms.DateInput(attrs=DATE),
            "expires_on": forms.DateInput(attrs=DATE),
            "reason": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        if (
            data.get("listed_on")
            and data.get("expires_on")
            and data["expires_on"] <= data["listed_on"]
        ):
            self.add_error("expires_on", _("The removal date must be after the listing date."))
        return data


class RemovalForm(forms.Form):
    on = forms.DateField(label=_("removed on"), widget=forms.DateInput(attrs=DATE))
    reason = forms.CharField(label=_("removal reason"), max_length=300)


class BulletinForm(ScopedModelForm):
    class Meta:
        model = Bulletin
        fields = ["accident", "title", "body", "industries", "issuer"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "industries": forms.CheckboxSelectMultiple,
        }
