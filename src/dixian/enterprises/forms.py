from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import DivisionLevel, OrgKind
from dixian.core.models import Division, Industry, Organisation
from dixian.core.views.generic import ScopedModelForm
from dixian.standards import uscc

from .details import SECTIONS
from .models import EnterpriseProfile, GradeLevel, GradeRule, Licence, LicenceType

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def uscc_error(code: str) -> str | None:
    """The GB 32100 check's reason in the user's language (the kernel gives both)."""
    result = uscc.validate(code)
    if result["valid"]:
        return None
    en, _sep, zh = result["error"].partition(" / ")
    return zh if (get_language() or "").startswith("zh") and zh else en


def clean_credit_code(value: str, *, exclude_org_id=None) -> str:
    code = (value or "").strip()
    error = uscc_error(code)
    if error:
        raise forms.ValidationError(error)
    dup = Organisation.objects.filter(credit_code=code)
    if exclude_org_id:
        dup = dup.exclude(pk=exclude_org_id)
    if dup.exists():
        raise forms.ValidationError(
            _("This credit code is already registered for %(name)s.") % {"name": dup.first().name}
        )
    return code


def townships():
    return Division.objects.filter(level=DivisionLevel.TOWNSHIP).order_by("code")


class EnterpriseForm(ScopedModelForm):
    """The enterprise's organisation row and its profile, as one form."""

    name = forms.CharField(label=_("name"), max_length=200)
    short_name = forms.CharField(label=_("short name"), max_length=60, required=False)
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=18,
        help_text=_("18 characters, checked by GB 32100-2015."),
    )
    division = forms.ModelChoiceField(label=_("township"), queryset=Division.objects.none())
    industries = forms.ModelMultipleChoiceField(
        label=_("industries"),
        queryset=Industry.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    latitude = forms.DecimalField(
        label=_("latitude"), max_digits=9, decimal_places=6, required=False, min_value=-90,
        max_value=90,
    )  # fmt: skip
    longitude = forms.DecimalField(
        label=_("longitude"), max_digits=9, decimal_places=6, required=False, min_value=-180,
        max_value=180,
    )  # fmt: skip

    ORG_FIELDS = ["name", "short_name", "credit_code", "division", "address", "phone",
                  "latitude", "longitude"]  # fmt: skip

    class Meta:
        model = EnterpriseProfile
        fields = [
            "legal_representative",
            "principal",
            "principal_phone",
            "scale",
            "staff_count",
            "status",
            "status_since",
            "established_on",
            "major_hazard_source",
        ]
        widgets = {
            "status_since": forms.DateInput(attrs={"type": "date"}),
            "established_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = townships()
        order = self.ORG_FIELDS[:4] + ["industries"] + self.ORG_FIELDS[4:]
        self.order_fields(order + list(self.Meta.fields))
        org = self.instance.org if self.instance.pk else None
        if org is not None and not self.is_bound:
            for name in self.ORG_FIELDS:
                self.initial[name] = getattr(org, name)
            self.initial["industries"] = list(org.industries.all())

    def clean_credit_code(self):
        org_id = self.instance.org_id if self.instance.pk else None
        return clean_credit_code(self.cleaned_data.get("credit_code"), exclude_org_id=org_id)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        dup = Organisation.objects.filter(name=name)
        if self.instance.pk:
            dup = dup.exclude(pk=self.instance.org_id)
        if dup.exists():
            raise forms.ValidationError(_("An organisation with this name already exists."))
        return name

    def org_data(self) -> dict:
        return {n: self.cleaned_data.get(n) for n in self.ORG_FIELDS} | {
            "short_name": self.cleaned_data.get("short_name") or "",
            "address": self.cleaned_data.get("address") or "",
            "phone": self.cleaned_data.get("phone") or "",
        }

    def profile_data(self) -> dict:
        return {n: self.cleaned_data.get(n) for n in self.Meta.fields}


def section_forms(data=None, details=None, industries=None):
    """One form per industry section; sections that apply are marked ``applies``."""
    from .details import industry_codes

    codes = industry_codes(industries or [])
    out = []
    for section in SECTIONS:
        form = section(data=data, initial=(details or {}).get(section.key) or None)
        form.applies = bool(codes & set(section.industries))
        out.append(form)
    return out


class GradeOverrideForm(forms.Form):
    grade = forms.ModelChoiceField(
        label=_("supervision grade"),
        queryset=GradeLevel.objects.all(),
        required=False,
        empty_label=_("— computed grade (no override) —"),
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].widget.attrs["class"] = "form-select"
        self.fields["reason"].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        if data.get("grade") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A manual grade needs a reason."))
        return data


class LicenceForm(ScopedModelForm):
    class Meta:
        model = Licence
        fields = [
            "enterprise",
            "type",
            "number",
            "issuer",
            "scope",
            "valid_from",
            "valid_to",
            "status",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
            "scope": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import issuing_org_ids

        enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE)
        if self.user is not None and not issuing_org_ids(self.user):
            enterprises = enterprises.restrict(self.user)
        self.fields["enterprise"].queryset = enterprises.order_by("name")
        self.fields["scope"].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        if (
            data.get("valid_from")
            and data.get("valid_to")
            and data["valid_to"] < data["valid_from"]
        ):
            self.add_error("valid_to", _("The end of validity cannot be before its start."))
        return data


class GradeLevelForm(ScopedModelForm):
    class Meta:
        model = GradeLevel
        fields = ["code", "name", "min_score", "inspection_interval_days", "colour", "description"]


class GradeRuleForm(ScopedModelForm):
    class Meta:
        model = GradeRule
        fields = ["factor", "points", "max_points", "threshold", "active"]


class LicenceTypeForm(ScopedModelForm):
    class Meta:
        model = LicenceType
        fields = ["code", "name", "industries", "issuers", "validity_years", "sort"]
        widgets = {"industries": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuers"].queryset = Organisation.objects.filter(
            kind__in=[OrgKind.DEPARTMENT, OrgKind.COMMITTEE_OFFICE, OrgKind.GOVERNMENT]
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":  # .xlsx is a zip archive
            raise forms.ValidationError(
                _("This is not an Excel .xlsx file. Save it as .xlsx and upload it again.")
            )
        return upload
