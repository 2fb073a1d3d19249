from django import forms
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import GOVERNMENT_KINDS, Action, OrgKind
from dixian.core.models import Organisation, Person
from dixian.core.scoping import is_county_wide
from dixian.core.views.generic import ScopedModelForm

from .models import Decision, DutyList, Guarantee, KeyTask, LeaderCharge, Meeting, VisitKind

MAX_NOTICE_BYTES = 2 * 1024 * 1024


class KeyTaskForm(ScopedModelForm):
    class Meta:
        model = KeyTask
        fields = [
            "year",
            "doc_number",
            "section_number",
            "section_title",
            "item_number",
            "title",
            "requirement",
            "due_date",
        ]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}


class NoticeUploadForm(forms.Form):
    """The notice file: plain text (.txt), at most 2 MB, UTF-8."""

    file = forms.FileField(label=_("Notice file (.txt, UTF-8)"))
    year = forms.IntegerField(label=_("Year of the tasks"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".txt"})
        self.fields["year"].widget.attrs.update({"class": "form-control"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".txt"):
            raise forms.ValidationError(
                _("Only plain-text notices (.txt) can be imported; “%(name)s” is not one.")
                % {"name": upload.name}
            )
        if upload.size > MAX_NOTICE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; at most 2 MB is accepted.") % {"size": upload.size}
            )
        data = upload.read()
        if not data.strip():
            raise forms.ValidationError(_("The file is empty."))
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise forms.ValidationError(
                _("The file is UTF-16 text; save it as UTF-8 and upload it again.")
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text: invalid byte %(byte)s at position %(offset)s. "
                    "It may be GBK/GB18030; save it as UTF-8 and upload it again."
                )
                % {"byte": f"0x{data[exc.start]:02x}", "offset": exc.start}
            ) from None
        return text


class ProgressReportForm(forms.Form):
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 5}))
    percent = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("return", _("Return"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


# --- committee, 包保, duty lists, leaders in charge ---------------------------------------------


class LeaderChargeForm(ScopedModelForm):
    class Meta:
        model = LeaderCharge
        fields = ["leader", "org", "note", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = self.fields["org"].queryset.filter(kind__in=GOVERNMENT_KINDS)
        self.fields["leader"].queryset = self.fields["leader"].queryset.filter(
            org__kind=OrgKind.GOVERNMENT
        )


class MeetingForm(ScopedModelForm):
    class Meta:
        model = Meeting
        fields = ["title", "kind", "held_on", "location", "chair", "attendees", "minutes"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}),
            "attendees": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = self.fields["attendees"].queryset.filter(
            org__kind__in=GOVERNMENT_KINDS, is_active=True
        )
        self.fields["attendees"].queryset = people
        self.fields["chair"].queryset = people


class DecisionForm(ScopedModelForm):
    class Meta:
        model = Decision
        fields = ["text", "lead", "co_orgs", "due_date"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "co_orgs": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bodies = Organisation.objects.filter(
            kind__in=[OrgKind.DEPARTMENT, OrgKind.TOWNSHIP_GOVERNMENT, OrgKind.COMMITTEE_OFFICE],
            is_active=True,
        )
        self.fields["lead"].queryset = bodies
        self.fields["lead"].required = True
        self.fields["co_orgs"].queryset = bodies


GUARANTEED_INDUSTRIES = ("coal", "metal_nonmetal", "tailings")


class GuaranteeForm(ScopedModelForm):
    class Meta:
        model = Guarantee
        fields = [
            "enterprise",
            "leader",
            "department",
            "dept_head",
            "visit_every_months",
            "start_date",
            "end_date",
            "is_active",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = (
            Organisation.objects.filter(
                kind=OrgKind.ENTERPRISE, industries__code__in=GUARANTEED_INDUSTRIES
            )
            .distinct()
            .order_by("name")
        )
        self.fields["department"].queryset = Organisation.objects.filter(kind=OrgKind.DEPARTMENT)
        self.fields["leader"].queryset = Person.objects.filter(org__kind=OrgKind.GOVERNMENT)
        self.fields["dept_head"].queryset = Person.objects.filter(org__kind=OrgKind.DEPARTMENT)

    def clean(self):
        data = super().clean()
        head, dept = data.get("dept_head"), data.get("department")
        if head and dept and head.org_id != dept.pk:
            self.add_error("dept_head", _("The department head must belong to the department."))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end cannot be before the start."))
        return data


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=VisitKind.choices)
    visited_on = forms.DateField(
        label=_("visited on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    visitor = forms.ModelChoiceField(label=_("visitor"), queryset=Person.objects.none())
    findings = forms.CharField(
        label=_("findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    hazards_found = forms.IntegerField(
        label=_("hazards found"), min_value=0, max_value=10000, initial=0
    )

    def __init__(self, *args, guarantee=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [p for p in (guarantee.leader_id, guarantee.dept_head_id) if p]
        self.fields["visitor"].queryset = Person.objects.filter(pk__in=ids)
        for f in self.fields.values():
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


class DutyListForm(ScopedModelForm):
    note = forms.CharField(
        label=_("What changed"),
        max_length=200,
        required=False,
        help_text=_("Recorded with the new version."),
    )

    class Meta:
        model = DutyList
        fields = ["org", "kind", "position", "title", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs.setdefault("class", "form-control")
        orgs = self.fields["org"].queryset.filter(
            kind__in=[OrgKind.DEPARTMENT, OrgKind.TOWNSHIP_GOVERNMENT, OrgKind.COMMITTEE_OFFICE]
        )
        user = self.user
        if user is not None and not is_county_wide(user, Action.CHANGE):
            orgs = orgs.filter(pk=user.org_id)
        self.fields["org"].queryset = orgs
