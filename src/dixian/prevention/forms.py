from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.choices import OrgKind, Role
from dixian.core.models import Division, Industry, Organisation, Person, User
from dixian.core.views.generic import ScopedModelForm

from . import criteria, services
from .models import Filing, HazardLevel, Inventory, MajorHazardSource, RiskPoint


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/*", "class": "form-control"})

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _style(form):
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.RadioSelect | MultipleFileInput):
            continue
        css = "form-select" if isinstance(w, forms.Select) else "form-control"
        w.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    input_type = "date"


class HazardReportForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("enterprise"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("hazard title"), max_length=200)
    location = forms.CharField(
        label=pgettext_lazy("prevention", "location"), max_length=200, required=False
    )
    description = forms.CharField(
        label=pgettext_lazy("prevention", "description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    level = forms.ChoiceField(
        label=_("hazard level"),
        choices=HazardLevel.choices,
        initial=HazardLevel.GENERAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    criteria = forms.MultipleChoiceField(
        label=_("major-hazard criteria"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a major hazard, tick the items of the determination standard it meets."),
    )
    photos = PhotosField(label=_("photos"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = services.enterprise_choices_for(user)
        self.fields["enterprise"].queryset = qs
        if user is not None and user.role == Role.ENTERPRISE_MANAGER and user.org_id:
            self.fields["enterprise"].initial = user.org_id
        self.fields["criteria"].choices = criteria.choices()
        _style(self)

    def clean(self):
        data = super().clean()
        if data.get("level") == HazardLevel.MAJOR and not data.get("criteria"):
            self.add_error(
                "criteria", _("Tick at least one criterion of the determination standards.")
            )
        return data


class AssignForm(forms.Form):
    due_date = forms.DateField(label=_("rectification deadline"), widget=DateInput)
    assignee = forms.ModelChoiceField(
        label=_("rectifier"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hazard is not None:
            self.fields["assignee"].queryset = User.objects.filter(
                org__path__startswith=hazard.enterprise.path, is_active=True
            )
        _style(self)


class RectifyForm(forms.Form):
    note = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("photos after rectification"))

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, hazard=None, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required
        _style(self)


class ListForm(forms.Form):
    deadline = forms.DateField(label=_("rectification deadline"), widget=DateInput)
    requirements = forms.CharField(
        label=_("requirements"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PlanForm(forms.Form):
    """五落实: responsibility, measures, funds, deadline, emergency plan — all required."""

    responsibility = forms.CharField(label=_("responsibility (责任)"), max_length=200)
    measures = forms.CharField(label=_("measures (措施)"), widget=forms.Textarea(attrs={"rows": 3}))
    funds = forms.DecimalField(
        label=_("funds in yuan (资金)"), min_value=0.01, max_digits=14, decimal_places=2
    )
    deadline = forms.DateField(label=_("deadline (时限)"), widget=DateInput)
    emergency = forms.CharField(
        label=_("emergency plan (预案)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CompleteForm(forms.Form):
    report = forms.CharField(label=_("completion report"), widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("photos"))

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


def action_form(action: str, data=None, files=None, hazard=None):
    if action == "assign":
        return AssignForm(data, files, hazard=hazard)
    if action == "rectify":
        return RectifyForm(data, files, hazard=hazard)
    if action == "list":
        return ListForm(data, files, hazard=hazard)
    if action == "plan":
        return PlanForm(data, files, hazard=hazard)
    if action == "complete":
        return CompleteForm(data, files, hazard=hazard)
    return NoteForm(data, files, hazard=hazard, required=action in ("reject", "return"))


class RiskPointForm(ScopedModelForm):
    class Meta:
        model = RiskPoint
        fields = [
            "enterprise",
            "name",
            "kind",
            "location",
            "hazard_factors",
            "possible_accidents",
            "method",
            "factor_l",
            "factor_e",
            "factor_c",
            "factor_s",
            "measures_engineering",
            "measures_management",
            "measures_training",
            "measures_ppe",
            "measures_emergency",
            "control_level",
            "responsible",
            "check_items",
            "review_due",
        ]
        widgets = {
            "hazard_factors": forms.Textarea(attrs={"rows": 2}),
            "measures_engineering": forms.Textarea(attrs={"rows": 2}),
            "measures_management": forms.Textarea(attrs={"rows": 2}),
            "measures_training": forms.Textarea(attrs={"rows": 2}),
            "measures_ppe": forms.Textarea(attrs={"rows": 2}),
            "measures_emergency": forms.Textarea(attrs={"rows": 2}),
            "check_items": forms.Textarea(attrs={"rows": 4}),
            "review_due": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(
            kind=OrgKind.ENTERPRISE
        )
        self.fields["responsible"].queryset = (
            Person.objects.restrict(self.user).filter(org__kind=OrgKind.ENTERPRISE)
            if self.user
            else Person.objects.none()
        )

    def clean(self):
        data = super().clean()
        if not self.errors:
            for name in ("method", "factor_l", "factor_e", "factor_c", "factor_s"):
                setattr(self.instance, name, data.get(name))
            try:
                services.grade_point(self.instance)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


class MajorHazardSourceForm(ScopedModelForm):
    class Meta:
        model = MajorHazardSource
        fields = [
            "enterprise",
            "name",
            "unit_type",
            "exposed_people",
            "principal",
            "technical",
            "operational",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(
            kind=OrgKind.ENTERPRISE
        )


class InventoryForm(ScopedModelForm):
    class Meta:
        model = Inventory
        fields = ["source", "substance", "cas", "categories", "quantity_t"]

    def clean(self):
        data = super().clean()
        if not (data.get("substance") or data.get("cas") or data.get("categories")):
            raise ValidationError(_("Give the substance's name, CAS number or hazard category."))
        return data


class FilingForm(ScopedModelForm):
    class Meta:
        model = Filing
        fields = ["source", "filed_on", "authority", "number", "valid_until", "note"]
        widgets = {"filed_on": DateInput, "valid_until": DateInput}


class SitePlanForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("enterprise"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("plan title"), max_length=100)
    image = forms.FileField(label=_("site plan image"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = services.enterprise_choices_for(user)
        self.fields["image"].widget.attrs.update({"accept": "image/png,image/jpeg"})
        _style(self)


class PublicReportForm(forms.Form):
    township = forms.ModelChoiceField(
        label=_("township"), queryset=Division.objects.filter(level="township").order_by("code")
    )
    industry = forms.ModelChoiceField(
        label=_("kind of place"),
        queryset=Industry.objects.filter(parent__isnull=True),
        required=False,
    )
    enterprise = forms.ModelChoiceField(
        label=_("enterprise (if known)"),
        queryset=Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True).order_by(
            "name"
        ),
        required=False,
    )
    place = forms.CharField(label=_("place"), max_length=200)
    description = forms.CharField(label=_("what you saw"), widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label=_("contact (optional)"), max_length=60, required=False)
    photo = forms.FileField(label=_("photo (optional)"), required=False)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # honeypot

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs.update({"accept": "image/*"})
        _style(self)


class HandleReportForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("prevention", "decision"),
        choices=[
            ("accept", _("Accept as a hazard")),
            ("dismiss", _("Dismiss")),
            ("forward", _("Forward to another department")),
        ],
        widget=forms.RadioSelect,
    )
    enterprise = forms.ModelChoiceField(
        label=_("enterprise"), queryset=Organisation.objects.none(), required=False
    )
    to = forms.ModelChoiceField(
        label=_("forward to"), queryset=Organisation.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = services.enterprise_choices_for(user)
        self.fields["to"].queryset = services.forward_targets().order_by("kind", "path")
        _style(self)
