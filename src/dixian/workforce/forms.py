from django import forms
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import OrgKind
from dixian.core.models import Organisation, Person
from dixian.core.views.generic import ScopedModelForm

from .models import (
    Certificate,
    CertificateType,
    Employee,
    FeeAccount,
    FeeUse,
    FiveAspect,
    Post,
    RuleBreach,
    SafetyOrganisation,
    SafetyStaff,
    ScoringPolicy,
    StaffingRule,
    TrainingRecord,
    ViolationType,
)
from .services import MAX_EVIDENCE_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnterpriseFormMixin:
    """Enterprise choices limited to enterprises the user may change; people to theirs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        if "enterprise" in self.fields and user is not None:
            self.fields["enterprise"].queryset = Organisation.objects.restrict(
                user, "change"
            ).filter(kind=OrgKind.ENTERPRISE)
            if self.fields["enterprise"].queryset.count() == 1 and not self.instance.pk:
                self.fields["enterprise"].initial = self.fields["enterprise"].queryset.first()
        if "person" in self.fields and user is not None:
            self.fields["person"].queryset = (
                Person.objects.restrict(user, "change")
                .filter(org__kind=OrgKind.ENTERPRISE)
                .select_related("org")
            )
            self.fields["person"].label_from_instance = lambda p: f"{p.name} · {p.org}"

    def clean(self):
        data = super().clean()
        person, enterprise = data.get("person"), data.get("enterprise")
        if person is not None and enterprise is not None and person.org_id != enterprise.pk:
            self.add_error("person", _("This person does not belong to the enterprise."))
        return data


class SafetyOrganisationForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = SafetyOrganisation
        fields = ["enterprise", "has_body", "body_name", "headcount", "note"]


class SafetyStaffForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = SafetyStaff
        fields = ["enterprise", "person", "role", "appointed_on", "left_on"]
        widgets = {"appointed_on": DATE, "left_on": DATE}


class CertificateForm(ScopedModelForm):
    class Meta:
        model = Certificate
        fields = ["person", "kind", "number", "issuer", "issued_on", "valid_until", "review_due"]
        widgets = {"issued_on": DATE, "valid_until": DATE, "review_due": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["person"].queryset = (
                Person.objects.restrict(self.user, "change")
                .filter(org__kind=OrgKind.ENTERPRISE)
                .select_related("org")
            )
            self.fields["person"].label_from_instance = lambda p: f"{p.name} · {p.org}"

    def clean(self):
        data = super().clean()
        issued, until, review = (
            data.get("issued_on"),
            data.get("valid_until"),
            data.get("review_due"),
        )
        if issued and until and until < issued:
            self.add_error("valid_until", _("The expiry date is before the issue date."))
        if issued and review and review < issued:
            self.add_error("review_due", _("The review date is before the issue date."))
        return data


class PostForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = Post
        fields = [
            "enterprise",
            "name",
            "required_certificate",
            "requires_training",
            "training_hours",
            "training_valid_months",
        ]

    def clean(self):
        data = super().clean()
        if data.get("training_valid_months") == 0 and data.get("requires_training"):
            self.add_error("training_valid_months", _("Enter at least one month."))
        return data


class EmployeeForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = Employee
        fields = ["enterprise", "person", "staff_number", "post", "hired_on", "is_active"]
        widgets = {"hired_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["post"].queryset = (
                Post.objects.restrict(self.user, "change")
                .select_related("enterprise")
                .order_by("enterprise__path", "name")
            )
            self.fields["post"].label_from_instance = lambda p: f"{p.name} · {p.enterprise}"

    def clean(self):
        data = super().clean()
        post, enterprise = data.get("post"), data.get("enterprise")
        if post is not None and enterprise is not None and post.enterprise_id != enterprise.pk:
            self.add_error("post", _("This post belongs to another enterprise."))
        return data


class TrainingRecordForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["enterprise", "person", "topic", "trained_on", "hours", "exam_score", "passed"]
        widgets = {"trained_on": DATE}


class RuleBreachForm(EnterpriseFormMixin, ScopedModelForm):
    class Meta:
        model = RuleBreach
        fields = [
            "enterprise",
            "person",
            "kind",
            "occurred_on",
            "description",
            "corrective_action",
            "due_date",
        ]
        widgets = {
            "occurred_on": DATE,
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "corrective_action": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].required = False

    def clean(self):
        data = super().clean()
        occurred, due = data.get("occurred_on"), data.get("due_date")
        if occurred and due and due < occurred:
            self.add_error("due_date", _("The date to correct by is before the breach."))
        return data


class FeeAccountForm(EnterpriseFormMixin, ScopedModelForm):
    sector = forms.ChoiceField(label=_("sector"), choices=())

    class Meta:
        model = FeeAccount
        fields = ["enterprise", "sector", "categories", "opening_balance", "opened_on"]
        widgets = {"opened_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from dixian.standards import safety_fee

        self.fields["sector"].choices = [
            (code, s.name_cn) for code, s in safety_fee.sectors().items()
        ]
        self.fields["sector"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        from dixian.standards import safety_fee
        from dixian.standards.errors import StandardsError

        sector = data.get("sector")
        cats = [
            c.strip() for c in (data.get("categories") or "").replace("，", ",").split(",") if c
        ]
        if sector:
            for c in cats:
                try:
                    safety_fee.find_category(sector, c)
                except StandardsError as exc:
                    self.add_error("categories", exc.zh or exc.en)
            if not cats and not safety_fee.sector(sector).tiered:
                self.add_error("categories", _("This sector needs a category."))
        return data


class AccrualForm(forms.Form):
    month = forms.CharField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month", "placeholder": "2024-01"})
    )
    output_t = forms.DecimalField(label=_("Output this month (t)"), required=False, min_value=0)
    output_1000m3 = forms.DecimalField(
        label=_("Gas output this month (1000 m³)"), required=False, min_value=0
    )
    revenue_yuan = forms.DecimalField(
        label=_("Previous-year revenue (yuan)"), required=False, min_value=0
    )
    cost_yuan = forms.DecimalField(
        label=_("Construction cost this month (yuan)"), required=False, min_value=0
    )
    accrued_yuan = forms.DecimalField(
        label=_("Amount accrued (yuan)"),
        required=False,
        min_value=0,
        help_text=_("Leave empty to accrue exactly the required amount."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, basis=None, **kwargs):
        super().__init__(*args, **kwargs)
        if basis:
            for name in ("output_t", "output_1000m3", "revenue_yuan", "cost_yuan"):
                if name not in basis:
                    del self.fields[name]
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")

    def clean_month(self):
        import datetime as dt

        text = self.cleaned_data["month"].strip()
        try:
            return dt.date.fromisoformat(f"{text[:7]}-01")
        except ValueError:
            raise forms.ValidationError(_("Enter a month such as 2024-01.")) from None


class SpendingForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=DATE)
    use = forms.ModelChoiceField(label=_("Permitted use"), queryset=FeeUse.objects.all())
    amount_yuan = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0.01, max_digits=16, decimal_places=2
    )
    description = forms.CharField(label=_("Description"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class FiveCheckForm(forms.Form):
    """The five aspects, each with a yes/no, evidence text and an optional file."""

    period = forms.CharField(label=_("Period"), max_length=10, help_text=_("e.g. 2024 or 2024-H1"))

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"] = forms.ModelChoiceField(
                label=_("enterprise"), queryset=enterprises
            )
            if enterprises.count() == 1:
                self.fields["enterprise"].initial = enterprises.first()
        self.aspects = []
        for value, label in FiveAspect.choices:
            self.fields[f"{value}_in_place"] = forms.BooleanField(
                label=_("In place"), required=False
            )
            self.fields[f"{value}_evidence"] = forms.CharField(
                label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"{value}_file"] = forms.FileField(
                label=_("Evidence file (PDF, PNG or JPEG, at most 5 MB)"), required=False
            )
            self.aspects.append(
                {
                    "value": value,
                    "label": label,
                    "in_place": self[f"{value}_in_place"],
                    "evidence": self[f"{value}_evidence"],
                    "file": self[f"{value}_file"],
                }
            )
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")

    def clean(self):
        from .services import check_evidence_file

        data = super().clean()
        for value, _label in FiveAspect.choices:
            upload = data.get(f"{value}_file")
            if upload:
                if upload.size > MAX_EVIDENCE_BYTES:
                    self.add_error(f"{value}_file", _("At most 5 MB is accepted."))
                    continue
                try:
                    check_evidence_file(upload)
                except forms.ValidationError as exc:
                    self.add_error(f"{value}_file", exc)
        return data


class DeductionForm(forms.Form):
    principal = forms.ModelChoiceField(label=_("Principal"), queryset=None)
    violation = forms.ModelChoiceField(label=_("Violation"), queryset=ViolationType.objects.all())
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, principals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principal"].queryset = principals
        self.fields["principal"].label_from_instance = lambda pos: f"{pos.person} · {pos.org}"
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class EmployeeImportForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("enterprise"), queryset=None)
    file = forms.FileField(label=_("Workbook (.xlsx, at most 2 MB)"))

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        if enterprises is not None and enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first()
        self.fields["enterprise"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx"})


class StaffingRuleForm(ScopedModelForm):
    class Meta:
        model = StaffingRule
        fields = [
            "name",
            "industry",
            "min_headcount",
            "max_headcount",
            "requirement",
            "needs_safety_engineer",
            "needs_safety_director",
            "clause",
        ]


class CertificateTypeForm(ScopedModelForm):
    class Meta:
        model = CertificateType
        fields = ["code", "name", "category", "validity_years", "review_years"]


class ViolationTypeForm(ScopedModelForm):
    class Meta:
        model = ViolationType
        fields = ["code", "name", "points", "clause"]


class FeeUseForm(ScopedModelForm):
    class Meta:
        model = FeeUse
        fields = ["code", "name", "sort"]


class ScoringPolicyForm(ScopedModelForm):
    class Meta:
        model = ScoringPolicy
        fields = [
            "threshold",
            "cycle_start_month",
            "cycle_start_day",
            "retraining_days",
            "consequence",
        ]

    def clean(self):
        import datetime as dt

        data = super().clean()
        try:
            dt.date(2001, data.get("cycle_start_month") or 1, data.get("cycle_start_day") or 1)
        except ValueError:
            self.add_error("cycle_start_day", _("This day does not exist in that month."))
        if data.get("cycle_start_month") == 2 and data.get("cycle_start_day") == 29:
            self.add_error("cycle_start_day", _("This day does not exist in that month."))
        return data
