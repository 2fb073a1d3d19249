"""Pages of the workforce app: registries (generic views) and the workflow pages."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View

from dixian.core.choices import Action, OrgKind
from dixian.core.models import Organisation
from dixian.core.scoping import may_act, may_create
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedObjectMixin,
)

from . import filtersets as fs
from . import forms as f
from . import importer, services
from .models import (
    Certificate,
    CertificateType,
    CycleState,
    Employee,
    FeeAccount,
    FeeAccrual,
    FeeSpending,
    FeeUse,
    FiveCheck,
    FiveCheckItem,
    Post,
    ReviewState,
    RuleBreach,
    SafetyOrganisation,
    SafetyStaff,
    ScoreCycle,
    ScoreDeduction,
    ScoringPolicy,
    StaffingRule,
    TrainingRecord,
    ViolationType,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _enterprises(user, action=Action.CHANGE):
    return Organisation.objects.restrict(user, action).filter(kind=OrgKind.ENTERPRISE)


class ServiceEditView(ObjectEditView):
    """Generic edit whose save goes through one of this app's services (rules, audit)."""

    service = staticmethod(services.record_save)

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                obj = self.service(actor=request.user, instance=form.instance, form=form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
                return redirect(self.url("detail", obj.pk))
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


# --- safety organisation and staff ---------------------------------------------------------


class SafetyOrganisationList(ObjectListView):
    model = SafetyOrganisation
    columns = [
        Column("enterprise", link=True),
        "has_body",
        "body_name",
        "headcount",
    ]
    search_fields = ["enterprise__name", "body_name"]
    select_related = ["enterprise"]


class SafetyOrganisationDetail(ObjectDetailView):
    model = SafetyOrganisation
    related = [
        (
            pgettext_lazy("workforce", "Safety staff"),
            lambda obj, user: (
                SafetyStaff.objects.restrict(user)
                .filter(enterprise=obj.enterprise)
                .select_related("person")
            ),
            [Column("person"), "role", "appointed_on", "left_on"],
            "workforce:safetystaff",
        )
    ]


class SafetyOrganisationEdit(ServiceEditView):
    model = SafetyOrganisation
    form_class = f.SafetyOrganisationForm


class SafetyOrganisationDelete(ObjectDeleteView):
    model = SafetyOrganisation


class SafetyStaffList(ObjectListView):
    model = SafetyStaff
    columns = [Column("person", link=True), "role", "enterprise", "appointed_on", "left_on"]
    filterset_class = fs.SafetyStaffFilterSet
    search_fields = ["person__name", "enterprise__name"]
    select_related = ["person", "enterprise"]


class SafetyStaffDetail(ObjectDetailView):
    model = SafetyStaff
    related = [
        (
            gettext_lazy("Certificates"),
            lambda obj, user: (
                Certificate.objects.restrict(user)
                .filter(person=obj.person)
                .select_related("kind", "person")
            ),
            [Column("kind"), "number", "issuer", "valid_until", "review_due", "state"],
            "workforce:certificate",
        )
    ]


class SafetyStaffEdit(ServiceEditView):
    model = SafetyStaff
    form_class = f.SafetyStaffForm


class SafetyStaffDelete(ObjectDeleteView):
    model = SafetyStaff


class StaffingCompliance(LoginRequiredMixin, View):
    """Per enterprise, what the staffing rules require and what is missing (county-wide for
    departments and 安委办, the enterprise's own row for an enterprise)."""

    def get(self, request):
        rows = services.compliance_table(request.user)
        only = request.GET.get("missing") == "1"
        shown = [r for r in rows if r.missing] if only else rows
        return render(
            request,
            "workforce/compliance.html",
            {
                "rows": shown,
                "total": len(rows),
                "failing": sum(1 for r in rows if r.missing),
                "only_missing": only,
                "gaps": Counter(m for r in rows for m in r.missing).most_common(5),
                "chart": [
                    {"name": _("Compliant"), "value": sum(1 for r in rows if not r.missing)},
                    {"name": _("Something missing"), "value": sum(1 for r in rows if r.missing)},
                ],
            },
        )


# --- certificates, posts, employees, training ------------------------------------------------


class CertificateList(ObjectListView):
    model = Certificate
    columns = [
        Column("person", link=True),
        Column("person.org", gettext_lazy("enterprise")),
        "kind",
        "number",
        "valid_until",
        "review_due",
        "state",
    ]
    filterset_class = fs.CertificateFilterSet
    search_fields = ["person__name", "number", "issuer"]
    select_related = ["person", "person__org", "kind"]


class CertificateDetail(ObjectDetailView):
    model = Certificate
    fields = [
        "person",
        "kind",
        "number",
        "issuer",
        "issued_on",
        "valid_until",
        "review_due",
        "state",
        "lapses_at",
    ]


class CertificateEdit(ServiceEditView):
    model = Certificate
    form_class = f.CertificateForm
    service = staticmethod(services.certificate_save)


class CertificateDelete(ObjectDeleteView):
    model = Certificate


class PostList(ObjectListView):
    model = Post
    columns = [
        Column("name", link=True),
        "enterprise",
        "required_certificate",
        "requires_training",
        "training_hours",
    ]
    filterset_class = fs.PostFilterSet
    search_fields = ["name", "enterprise__name"]
    select_related = ["enterprise", "required_certificate"]


class PostDetail(ObjectDetailView):
    model = Post
    related = [
        (
            gettext_lazy("Employees on this post"),
            lambda obj, user: (
                Employee.objects.restrict(user)
                .filter(post=obj, is_active=True)
                .select_related("person")
            ),
            [Column("person"), "staff_number", "hired_on"],
            "workforce:employee",
        )
    ]


class PostEdit(ServiceEditView):
    model = Post
    form_class = f.PostForm


class PostDelete(ObjectDeleteView):
    model = Post


class EmployeeList(ObjectListView):
    model = Employee
    template_name = "workforce/employee_list.html"
    columns = [
        Column("person", link=True),
        "enterprise",
        "staff_number",
        "post",
        "hired_on",
        "is_active",
    ]
    filterset_class = fs.EmployeeFilterSet
    search_fields = ["person__name", "staff_number", "post__name"]
    select_related = ["person", "enterprise", "post"]


class EmployeeDetail(ObjectDetailView):
    model = Employee
    template_name = "workforce/employee_detail.html"
    related = [
        (
            gettext_lazy("Certificates"),
            lambda obj, user: (
                Certificate.objects.restrict(user)
                .filter(person=obj.person)
                .select_related("kind", "person")
            ),
            [Column("kind"), "number", "valid_until", "review_due", "state"],
            "workforce:certificate",
        ),
        (
            gettext_lazy("Training records"),
            lambda obj, user: TrainingRecord.objects.restrict(user).filter(person=obj.person),
            [Column("topic"), "trained_on", "hours", "exam_score", "passed"],
            "workforce:trainingrecord",
        ),
    ]

    def extra_context(self, obj):
        problems = services.qualification_problems(obj.person, obj.post) if obj.is_active else []
        return {"problems": problems}


class EmployeeEdit(ServiceEditView):
    model = Employee
    form_class = f.EmployeeForm
    service = staticmethod(services.employee_save)


class EmployeeDelete(ObjectDeleteView):
    model = Employee


class TrainingList(ObjectListView):
    model = TrainingRecord
    columns = [
        Column("person", link=True),
        "enterprise",
        "topic",
        "trained_on",
        "hours",
        "exam_score",
        "passed",
    ]
    filterset_class = fs.TrainingFilterSet
    search_fields = ["person__name", "topic"]
    select_related = ["person", "enterprise"]


class TrainingDetail(ObjectDetailView):
    model = TrainingRecord


class TrainingEdit(ServiceEditView):
    model = TrainingRecord
    form_class = f.TrainingRecordForm


class TrainingDelete(ObjectDeleteView):
    model = TrainingRecord


class TrainingGate(LoginRequiredMixin, View):
    """Everyone on a post without the qualification it requires (未经培训合格不得上岗)."""

    def get(self, request):
        rows = services.unqualified_on_posts(request.user)
        return render(request, "workforce/gate.html", {"rows": rows})


class RuleBreachList(ObjectListView):
    model = RuleBreach
    columns = [
        Column("kind", link=True),
        "enterprise",
        "person",
        "occurred_on",
        "due_date",
        "state",
    ]
    filterset_class = fs.RuleBreachFilterSet
    search_fields = ["description", "person__name", "enterprise__name"]
    select_related = ["enterprise", "person"]


class RuleBreachDetail(ObjectDetailView):
    model = RuleBreach
    template_name = "workforce/breach_detail.html"
    fields = [
        "enterprise",
        "person",
        "kind",
        "occurred_on",
        "description",
        "corrective_action",
        "due_date",
        "state",
        "closed_at",
        "closing_note",
    ]

    def extra_context(self, obj):
        may_close = (
            obj.state != "closed"
            and RuleBreach.objects.restrict(self.request.user, Action.CHANGE)
            .filter(pk=obj.pk)
            .exists()
        )
        return {"may_close": may_close, "close_form": f.NoteForm()}


class RuleBreachEdit(ServiceEditView):
    model = RuleBreach
    form_class = f.RuleBreachForm
    service = staticmethod(services.breach_save)


class RuleBreachDelete(ObjectDeleteView):
    model = RuleBreach


class RuleBreachClose(ScopedObjectMixin, View):
    """Close a 反“三违” record (POST only)."""

    model = RuleBreach
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        obj = self.get_object()
        form = f.NoteForm(request.POST)
        note = form.data.get("note", "")
        try:
            services.close_breach(actor=request.user, breach=obj, note=note)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Closed."))
        return redirect("workforce:rulebreach_detail", obj.pk)


# --- employee import / export ----------------------------------------------------------------


class EmployeeImport(LoginRequiredMixin, View):
    """Upload the employee workbook; every bad row is listed, nothing is imported until the
    whole file is clean."""

    def form(self, data=None, files=None):
        return f.EmployeeImportForm(
            data, files, enterprises=_enterprises(self.request.user).order_by("path")
        )

    def get(self, request):
        return render(request, "workforce/import.html", {"form": self.form()})

    def post(self, request):
        form = self.form(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importer.MAX_IMPORT_BYTES:
                form.add_error("file", _("The file is larger than 2 MB."))
            else:
                try:
                    count = importer.import_employees(
                        actor=request.user,
                        enterprise=form.cleaned_data["enterprise"],
                        data=upload.read(),
                    )
                except importer.ImportRejected as exc:
                    errors = exc.errors
                except PermissionDenied:
                    form.add_error(
                        "enterprise", _("Only the enterprise itself imports its employees.")
                    )
                else:
                    messages.success(request, _("%(count)s employees imported.") % {"count": count})
                    return redirect("workforce:employee_list")
        return render(
            request, "workforce/import.html", {"form": form, "errors": errors}, status=200
        )


class EmployeeTemplate(LoginRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(importer.template_bytes(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="employees-template.xlsx"'
        return response


class EmployeeExport(LoginRequiredMixin, View):
    """The employees in scope, in the import template's layout (can be re-imported)."""

    def get(self, request):
        qs = Employee.objects.restrict(request.user).filter(is_active=True)
        response = HttpResponse(importer.export_bytes(qs), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="employees.xlsx"'
        return response


# --- safety fees -----------------------------------------------------------------------------


class FeeAccountList(ObjectListView):
    """Every fee account in scope with its balance and flags."""

    model = FeeAccount
    template_name = "workforce/fee_list.html"
    columns = [Column("enterprise", link=True), "sector", "categories", "opened_on"]
    search_fields = ["enterprise__name"]
    select_related = ["enterprise"]
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        if request.GET.get("export"):
            return super().get(request, *args, **kwargs)
        year = _year(request, FeeAccrual.objects.restrict(request.user))
        rows = []
        for account in self.filtered(request)[0]:
            data = services.ledger(account, year)
            rows.append({"account": account, "ledger": data})
        return render(
            request,
            self.template_name,
            {
                **self.common_context(),
                "rows": rows,
                "year": year,
                "can_add": self.may_create(),
                "flagged": sum(1 for r in rows if r["ledger"]["flagged"]),
            },
        )


def _year(request, accruals=None) -> int:
    """The year asked for; else the latest year with entries; else this year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        latest = (
            accruals.order_by("-month").values_list("month", flat=True).first()
            if (accruals is not None)
            else None
        )
        year = latest.year if latest else services.local_today().year
    return min(max(year, 2000), 2100)


class FeeLedger(ObjectDetailView):
    """The ledger of one account: month by month, the chart, the entries and their review."""

    model = FeeAccount
    template_name = "workforce/fee_ledger.html"

    def extra_context(self, obj):
        user = self.request.user
        year = _year(self.request, FeeAccrual.objects.restrict(user).filter(account=obj))
        return {
            "year": year,
            "ledger": services.ledger(obj, year),
            "accruals": FeeAccrual.objects.restrict(user)
            .filter(account=obj, month__year=year)
            .order_by("month"),
            "spendings": FeeSpending.objects.restrict(user)
            .filter(account=obj, spent_on__year=year)
            .select_related("use")
            .order_by("spent_on", "pk"),
            "may_enter": services.may_enter(user, obj.enterprise),
            "may_review": services.may_review(user, obj.enterprise),
        }


class FeeAccountEdit(ServiceEditView):
    model = FeeAccount
    form_class = f.FeeAccountForm


class FeeAccountDelete(ObjectDeleteView):
    model = FeeAccount


def _basis(account) -> set[str]:
    from dixian.standards import safety_fee

    try:
        sector = safety_fee.sector(account.sector)
    except Exception:  # noqa: BLE001 — an unknown sector shows every field
        return {"output_t", "output_1000m3", "revenue_yuan", "cost_yuan"}
    return {safety_fee.BASIS[c.basis][0] for c in sector.categories}


class FeeEntryView(ScopedObjectMixin, View):
    """Shared by the accrual and spending forms (enterprise users enter)."""

    model = FeeAccount
    action = Action.CHANGE
    template_name = "workforce/fee_entry.html"
    title = ""

    def make_form(self, account, data=None):
        raise NotImplementedError

    def save(self, account, data):
        raise NotImplementedError

    def render_form(self, form, account):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "account": account,
                "title": self.title,
                "may_enter": services.may_enter(self.request.user, account.enterprise),
            },
        )

    def get(self, request, pk):
        account = self.get_object()
        return self.render_form(self.make_form(account), account)

    def post(self, request, pk):
        account = self.get_object()
        form = self.make_form(account, request.POST)
        if form.is_valid():
            try:
                self.save(account, form.cleaned_data)
            except PermissionDenied:
                form.add_error(None, _("Only the enterprise itself enters its safety fees."))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("workforce:feeaccount_detail", account.pk)
        return self.render_form(form, account)


class FeeAccrue(FeeEntryView):
    title = gettext_lazy("Monthly accrual")

    def make_form(self, account, data=None):
        return f.AccrualForm(data, basis=_basis(account))

    def save(self, account, data):
        services.record_accrual(
            actor=self.request.user,
            account=account,
            month=data["month"],
            output_t=data.get("output_t"),
            output_1000m3=data.get("output_1000m3"),
            revenue_yuan=data.get("revenue_yuan"),
            cost_yuan=data.get("cost_yuan"),
            accrued_yuan=data.get("accrued_yuan"),
            note=data.get("note", ""),
        )


class FeeSpend(FeeEntryView):
    title = gettext_lazy("Spending entry")

    def make_form(self, account, data=None):
        return f.SpendingForm(data)

    def save(self, account, data):
        services.record_spending(
            actor=self.request.user,
            account=account,
            spent_on=data["spent_on"],
            use=data["use"],
            amount_yuan=data["amount_yuan"],
            description=data["description"],
        )


class ReviewView(ScopedObjectMixin, View):
    """Accept or return (with a reason): fee entries and 五到位 self-checks."""

    action = Action.CHANGE
    template_name = "workforce/review.html"

    def enterprise_of(self, obj):
        return obj.account.enterprise

    def back(self, obj):
        return redirect("workforce:feeaccount_detail", obj.account_id)

    def do(self, obj, decision, note):
        services.review_fee_entry(actor=self.request.user, entry=obj, decision=decision, note=note)

    def render_form(self, form, obj):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "open": obj.state == ReviewState.SUBMITTED,
                "may_review": services.may_review(self.request.user, self.enterprise_of(obj)),
            },
        )

    def get(self, request, pk):
        return self.render_form(f.ReviewForm(), self.get_object())

    def post(self, request, pk):
        obj = self.get_object()
        form = f.ReviewForm(request.POST)
        if form.is_valid():
            try:
                self.do(obj, form.cleaned_data["decision"], form.cleaned_data["note"])
            except PermissionDenied:
                form.add_error(None, _("Only the supervising department reviews."))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Review saved."))
                return self.back(obj)
        return self.render_form(form, obj)


class AccrualReview(ReviewView):
    model = FeeAccrual


class SpendingReview(ReviewView):
    model = FeeSpending


# --- 五到位 -----------------------------------------------------------------------------------


class FiveCheckList(ObjectListView):
    model = FiveCheck
    columns = [Column("enterprise", link=True), "period", "state", "submitted_at", "reviewer"]
    filterset_class = fs.FiveCheckFilterSet
    search_fields = ["enterprise__name", "period"]
    select_related = ["enterprise", "reviewer"]


class FiveCheckDetail(ObjectDetailView):
    model = FiveCheck
    editable = False
    template_name = "workforce/five_detail.html"
    fields = [
        "enterprise",
        "period",
        "state",
        "submitted_at",
        "submitted_by",
        "reviewer",
        "reviewed_at",
        "review_note",
    ]

    def extra_context(self, obj):
        return {
            "items": FiveCheckItem.objects.restrict(self.request.user).filter(self_check=obj),
            "may_review": obj.state == ReviewState.SUBMITTED
            and services.may_review(self.request.user, obj.enterprise),
            "may_resubmit": obj.state == ReviewState.RETURNED
            and services.may_enter(self.request.user, obj.enterprise),
        }


class FiveCheckSubmit(LoginRequiredMixin, View):
    """The enterprise submits its 五到位 self-check (new, or again after a return)."""

    model = FiveCheck
    action = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, FiveCheck):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None, files=None):
        return f.FiveCheckForm(
            data,
            files,
            enterprises=_enterprises(self.request.user).order_by("path"),
            initial={"period": self.request.GET.get("period", str(services.local_today().year))},
        )

    def get(self, request):
        return render(request, "workforce/five_form.html", {"form": self.form()})

    def post(self, request):
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            items = {
                a: (data[f"{a}_in_place"], data[f"{a}_evidence"], data.get(f"{a}_file"))
                for a, _label in f.FiveAspect.choices
            }
            try:
                check = services.submit_five_check(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    period=data["period"],
                    items=items,
                )
            except PermissionDenied:
                form.add_error(None, _("Only the enterprise itself submits its self-check."))
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    name = field if field in form.fields else f"{field}_evidence"
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Self-check submitted."))
                return redirect("workforce:fivecheck_detail", check.pk)
        return render(request, "workforce/five_form.html", {"form": form})


class FiveCheckReview(ReviewView):
    model = FiveCheck

    def enterprise_of(self, obj):
        return obj.enterprise

    def back(self, obj):
        return redirect("workforce:fivecheck_detail", obj.pk)

    def do(self, obj, decision, note):
        services.review_five_check(actor=self.request.user, check=obj, decision=decision, note=note)


class EvidenceFile(ScopedObjectMixin, View):
    """An evidence file, for whoever may see the self-check."""

    model = FiveCheckItem

    def get(self, request, pk):
        item = self.get_object()
        if not item.file:
            return render(request, "workforce/no_file.html", {"item": item})
        ext = item.file.name.rsplit(".", 1)[-1].lower()
        content_type = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}.get(
            ext, "application/octet-stream"
        )
        response = FileResponse(item.file.open("rb"), content_type=content_type)
        response["Content-Disposition"] = f'inline; filename="evidence-{item.pk}.{ext}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- principal scoring -------------------------------------------------------------------------


class ScoreCycleList(ObjectListView):
    model = ScoreCycle
    columns = [
        Column("person", link=True),
        "enterprise",
        "starts_on",
        "ends_on",
        "points",
        "state",
        "retrain_due_at",
    ]
    filterset_class = fs.ScoreCycleFilterSet
    search_fields = ["person__name", "enterprise__name"]
    select_related = ["person", "enterprise"]
    can_add = False


class ScoreCycleDetail(ObjectDetailView):
    model = ScoreCycle
    editable = False
    template_name = "workforce/cycle_detail.html"
    fields = [
        "person",
        "enterprise",
        "starts_on",
        "ends_on",
        "points",
        "threshold",
        "state",
        "reached_at",
        "retrain_due_at",
        "cleared_at",
    ]
    related = [
        (
            gettext_lazy("Deductions"),
            lambda obj, user: (
                ScoreDeduction.objects.restrict(user).filter(cycle=obj).select_related("violation")
            ),
            [Column("occurred_on"), "violation", "points", "note"],
            None,
        )
    ]

    def extra_context(self, obj):
        return {
            "may_clear": obj.state in (CycleState.REACHED, CycleState.OVERDUE)
            and services.may_review(self.request.user, obj.enterprise),
            "note_form": f.NoteForm(),
        }


class ScoreCycleClear(ScopedObjectMixin, View):
    """Record that the principal retrained and passed (POST only)."""

    model = ScoreCycle
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        obj = self.get_object()
        try:
            services.clear_cycle(actor=request.user, cycle=obj, note=request.POST.get("note", ""))
        except PermissionDenied:
            messages.error(request, _("Only the supervising department records this."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Retraining recorded; the points are cleared."))
        return redirect("workforce:scorecycle_detail", obj.pk)


class Deduct(LoginRequiredMixin, View):
    """A supervising department records a violation against an enterprise principal."""

    def form(self, data=None):
        return f.DeductionForm(data, principals=services.principals(self.request.user))

    def page(self, form):
        return render(
            self.request,
            "workforce/deduct.html",
            {"form": form, "may_act": may_act(self.request.user, Action.CHANGE)},
        )

    def get(self, request):
        return self.page(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            position = form.cleaned_data["principal"]
            try:
                deduction = services.deduct_points(
                    actor=request.user,
                    person=position.person,
                    enterprise=position.org,
                    violation=form.cleaned_data["violation"],
                    occurred_on=form.cleaned_data["occurred_on"],
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied:
                form.add_error(None, _("Only the supervising department records points."))
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        name = "principal" if field == "person" else field
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("Points recorded."))
                return redirect("workforce:scorecycle_detail", deduction.cycle_id)
        return self.page(form)


# --- reference data ----------------------------------------------------------------------------


def reference_views(model, form_class, columns, search):
    attrs = {"model": model}
    list_view = type(
        f"{model.__name__}List",
        (ObjectListView,),
        {**attrs, "columns": columns, "search_fields": search},
    )
    detail_view = type(f"{model.__name__}Detail", (ObjectDetailView,), attrs)
    edit_view = type(
        f"{model.__name__}Edit", (ObjectEditView,), {**attrs, "form_class": form_class}
    )
    delete_view = type(f"{model.__name__}Delete", (ObjectDeleteView,), attrs)
    return list_view, detail_view, edit_view, delete_view


RULE_VIEWS = reference_views(
    StaffingRule,
    f.StaffingRuleForm,
    [Column("name", link=True), "industry", "min_headcount", "max_headcount", "requirement"],
    ["name", "clause"],
)
CERTTYPE_VIEWS = reference_views(
    CertificateType,
    f.CertificateTypeForm,
    [Column("name", link=True), "code", "category", "validity_years", "review_years"],
    ["name", "code"],
)
VIOLATION_VIEWS = reference_views(
    ViolationType,
    f.ViolationTypeForm,
    [Column("name", link=True), "code", "points", "clause"],
    ["name", "code"],
)
FEEUSE_VIEWS = reference_views(
    FeeUse, f.FeeUseForm, [Column("name", link=True), "code", "sort"], ["name", "code"]
)
POLICY_VIEWS = reference_views(
    ScoringPolicy,
    f.ScoringPolicyForm,
    [
        Column("threshold", link=True),
        "cycle_start_month",
        "cycle_start_day",
        "retraining_days",
        "consequence",
    ],
    ["consequence"],
)
