"""Pages of the duties: key tasks (registry), the board, my tasks, notice import, progress."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dixian.core import clock
from dixian.core.choices import Action, OrgKind
from dixian.core.scoping import is_county_wide, may_create
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedObjectMixin,
)

from . import selectors, services
from .filtersets import KeyTaskFilterSet
from .forms import (
    DecisionForm,
    DutyListForm,
    GuaranteeForm,
    KeyTaskForm,
    LeaderChargeForm,
    MeetingForm,
    NoticeUploadForm,
    ProgressReportForm,
    ReviewForm,
    VisitForm,
)
from .models import (
    Decision,
    DutyList,
    Guarantee,
    GuaranteeVisit,
    KeyTask,
    LeaderCharge,
    Meeting,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReportState,
    SupervisionLetter,
    TaskAssignment,
    TaskState,
    VisitState,
)
from .notice_parser import NoticeError

TASK_COLUMNS = [
    "item_number",
    Column("title", link=True),
    "section_number",
    "year",
    "due_date",
    "state",
]


class KeyTaskList(ObjectListView):
    model = KeyTask
    columns = TASK_COLUMNS
    filterset_class = KeyTaskFilterSet
    search_fields = ["title", "requirement", "responsibility_text", "assignments__name"]
    select_related = ["parent"]


class MyTaskList(KeyTaskList):
    """The tasks of the user's own organisation (本单位任务)."""

    title = gettext_lazy("My organisation's tasks")
    can_add = False

    def get_queryset(self):
        return selectors.my_tasks(self.request.user).select_related("parent")


class KeyTaskDetail(ObjectDetailView):
    model = KeyTask
    template_name = "duties/task_detail.html"
    fields = [
        "year",
        "doc_number",
        "section_number",
        "section_title",
        "item_number",
        "inferred",
        "parent",
        "title",
        "requirement",
        "responsibility_text",
        "unmatched_names",
        "due_date",
        "state",
    ]
    related = [
        (
            gettext_lazy("Sub-items"),
            lambda obj, user: KeyTask.objects.restrict(user).filter(parent=obj),
            [Column("title"), "item_number", "state"],
            "duties:keytask",
        ),
        (
            gettext_lazy("Assignments"),
            lambda obj, user: (
                TaskAssignment.objects.restrict(user).filter(task=obj).select_related("org")
            ),
            ["name", "org", "class_kind", "role"],
            None,
        ),
        (
            gettext_lazy("Milestones"),
            lambda obj, user: (
                Milestone.objects.restrict(user).filter(task=obj).select_related("org", "task")
            ),
            [Column("org"), "due_at", "state"],
            "duties:milestone",
        ),
        (
            gettext_lazy("Progress reports"),
            lambda obj, user: (
                ProgressReport.objects.restrict(user)
                .filter(milestone__task=obj)
                .select_related("org", "milestone__task")
            ),
            [Column("org"), "percent", "state", "submitted_at"],
            "duties:progressreport",
        ),
    ]

    def extra_context(self, obj):
        own = Milestone.objects.restrict(self.request.user, Action.CHANGE).filter(
            task=obj, state__in=[MilestoneState.PENDING, MilestoneState.OVERDUE]
        )
        return {"own_open_milestones": own.select_related("org")}


class KeyTaskEdit(ObjectEditView):
    model = KeyTask
    form_class = KeyTaskForm


class KeyTaskDelete(ObjectDeleteView):
    model = KeyTask


class MilestoneDetail(ObjectDetailView):
    model = Milestone
    editable = False
    template_name = "duties/milestone_detail.html"
    fields = ["task", "org", "due_at", "state", "overdue_at"]
    related = [
        (
            gettext_lazy("Progress reports"),
            lambda obj, user: ProgressReport.objects.restrict(user).filter(milestone=obj),
            [Column("submitted_at"), "author", "percent", "state", "review_note"],
            "duties:progressreport",
        ),
    ]

    def extra_context(self, obj):
        may_report = (
            obj.state in (MilestoneState.PENDING, MilestoneState.OVERDUE)
            and Milestone.objects.restrict(self.request.user, Action.CHANGE)
            .filter(pk=obj.pk)
            .exists()
        )
        return {"may_report": may_report}


class ProgressReportDetail(ObjectDetailView):
    model = ProgressReport
    editable = False
    template_name = "duties/report_detail.html"
    fields = [
        "milestone",
        "org",
        "author",
        "text",
        "percent",
        "state",
        "submitted_at",
        "reviewer",
        "reviewed_at",
        "review_note",
    ]

    def extra_context(self, obj):
        may_review = (
            obj.state == ReportState.SUBMITTED
            and ProgressReport.objects.restrict(self.request.user, Action.CHANGE)
            .filter(pk=obj.pk)
            .exists()
        )
        return {"may_review": may_review}


class MilestoneReport(ScopedObjectMixin, View):
    """An assigned organisation reports progress on its milestone (进度报送)."""

    model = Milestone
    action = Action.CHANGE
    template_name = "duties/report_form.html"

    def render_form(self, form, obj):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "milestone": obj,
                "open": obj.state in (MilestoneState.PENDING, MilestoneState.OVERDUE),
            },
        )

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(ProgressReportForm(), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = ProgressReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_progress(
                    actor=request.user,
                    milestone=obj,
                    text=form.cleaned_data["text"],
                    percent=form.cleaned_data["percent"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Progress reported."))
                return redirect("duties:progressreport_detail", report.pk)
        return self.render_form(form, obj)


class ReportReview(ScopedObjectMixin, View):
    """The lead organisation or 安委办 confirms or returns a report."""

    model = ProgressReport
    action = Action.CHANGE
    template_name = "duties/review_form.html"

    def render_form(self, form, obj):
        return render(
            self.request,
            self.template_name,
            {"form": form, "report": obj, "open": obj.state == ReportState.SUBMITTED},
        )

    def get(self, request, *args, **kwargs):
        return self.render_form(ReviewForm(), self.get_object())

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review_report(
                    actor=request.user,
                    report=obj,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Review saved."))
                return redirect("duties:progressreport_detail", obj.pk)
        return self.render_form(form, obj)


class TaskBoard(LoginRequiredMixin, View):
    """The task board (任务看板): per organisation and per notice section."""

    def get(self, request):
        years = selectors.task_years(request.user)
        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = selectors.default_year(request.user)
        data = selectors.board(request.user, year)
        return render(
            request,
            "duties/board.html",
            {"year": year, "years": years, "board": data, "chart": data["chart"]},
        )


SESSION_KEY = "duties_notice_import"


class NoticeImport(LoginRequiredMixin, View):
    """Upload a notice, preview what importing it would do, apply on confirmation
    (安委办 and administrators)."""

    model = KeyTask
    action = Action.CHANGE
    template_name = "duties/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, KeyTask):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": NoticeUploadForm()})

    def post(self, request):
        if "confirm" in request.POST:
            return self.apply(request)
        form = NoticeUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        text, year = form.cleaned_data["file"], form.cleaned_data["year"]
        try:
            result = services.plan_import(text.encode(), year=year)
        except NoticeError as exc:
            form.add_error("file", self.notice_error(exc))
            return render(request, self.template_name, {"form": form})
        digest = hashlib.sha256(text.encode()).hexdigest()
        request.session[SESSION_KEY] = {"digest": digest, "text": text, "year": year}
        return render(
            request,
            self.template_name,
            {"form": form, "result": result, "digest": digest, "year": year},
        )

    @staticmethod
    def notice_error(exc) -> str:
        if "no sections" in str(exc):
            return _("No sections were found: section headings such as “一、…” must start a line.")
        if "no numbered items" in str(exc):
            return _("No numbered items such as “（一）…” were found in the notice.")
        return _("The notice could not be read: %(error)s") % {"error": exc}

    def apply(self, request):
        pending = request.session.get(SESSION_KEY)
        if not pending or pending.get("digest") != request.POST.get("digest"):
            messages.error(request, _("The upload has expired; upload the notice again."))
            return redirect("duties:keytask_import_add")
        try:
            result = services.import_notice(
                pending["text"].encode(), actor=request.user, year=pending["year"]
            )
        except PermissionDenied:
            raise Http404 from None
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _("Notice imported: %(created)s created, %(changed)s changed, %(unchanged)s unchanged.")
            % {
                "created": len(result.created),
                "changed": len(result.changed),
                "unchanged": len(result.unchanged),
            },
        )
        return redirect(reverse("duties:keytask_list") + f"?year={result.year}")


# --- task close / reopen ---------------------------------------------------------------------


class TaskSetState(ScopedObjectMixin, View):
    """POST: 安委办 closes a task as completed or reopens it (through the service)."""

    scoping = "post_only"
    model = KeyTask
    action = Action.CHANGE
    state = TaskState.COMPLETED

    def get(self, request, *args, **kwargs):
        raise Http404

    def post(self, request, *args, **kwargs):
        task = self.get_object()
        services.task_set_state(actor=request.user, task=task, state=self.state)
        if self.state == TaskState.COMPLETED:
            messages.success(request, _("Task closed as completed."))
        else:
            messages.success(request, _("Task reopened."))
        return redirect("duties:keytask_detail", task.pk)


class AnnualTaskList(KeyTaskList):
    """The annual key-task list of one department (年度重点工作任务清单): the tasks filtered
    by department and year, exported to Excel with ?export=xlsx."""

    title = gettext_lazy("Annual key-task list")
    can_add = False
    columns = [
        "item_number",
        Column("title", link=True),
        "section_title",
        "responsibility_text",
        "due_date",
        "state",
    ]

    def get(self, request, *args, **kwargs):
        if not request.GET:  # default: this year's list of the user's own organisation
            defaults = request.GET.copy()
            defaults["year"] = str(selectors.default_year(request.user))
            if request.user.org_id and request.user.org.kind != OrgKind.GOVERNMENT:
                defaults["department"] = str(request.user.org_id)
            request.GET = defaults
        return super().get(request, *args, **kwargs)


class DivisionPdf(LoginRequiredMixin, View):
    """The task division table (分工方案) of a year as a landscape A4 PDF."""

    def get(self, request):
        from dixian.core.pdf import pdf_response, render_pdf

        try:
            year = int(request.GET.get("year", ""))
        except ValueError:
            year = selectors.default_year(request.user)
        rows = selectors.division_rows(request.user, year)
        data = render_pdf(
            "duties/pdf/division.html",
            {"year": year, "rows": rows, "issuer": services.setting("LETTER_ISSUER")},
        )
        return pdf_response(data, f"{year}年安全生产重点工作任务分工方案.pdf")


# --- supervision letters ---------------------------------------------------------------------


class LetterList(ObjectListView):
    model = SupervisionLetter
    columns = [
        Column("number", link=True),
        "org",
        "milestone.task",
        "issued_at",
        "reply_by",
        "state",
    ]
    search_fields = ["number", "org__name", "body"]
    select_related = ["org", "milestone__task"]
    can_add = False


class LetterDetail(ObjectDetailView):
    model = SupervisionLetter
    editable = False
    template_name = "duties/letter_detail.html"
    fields = [
        "number",
        "org",
        "milestone",
        "issued_at",
        "reply_by",
        "state",
        "escalate_at",
        "escalated_at",
    ]


class LetterPdf(ScopedObjectMixin, View):
    model = SupervisionLetter

    def get(self, request, *args, **kwargs):
        from dixian.core.pdf import pdf_response

        letter = self.get_object()
        return pdf_response(services.letter_pdf(letter), f"督办函{letter.number}.pdf")


# --- leaders in charge -----------------------------------------------------------------------


class LeaderChargeList(ObjectListView):
    model = LeaderCharge
    columns = [Column("leader", link=True), "org", "note", "is_active"]
    search_fields = ["leader__name", "org__name"]
    select_related = ["leader", "org"]


class LeaderChargeDetail(ObjectDetailView):
    model = LeaderCharge


class LeaderChargeEdit(ObjectEditView):
    model = LeaderCharge
    form_class = LeaderChargeForm


class LeaderChargeDelete(ObjectDeleteView):
    model = LeaderCharge


# --- the safety committee --------------------------------------------------------------------


class ServiceEditView(ObjectEditView):
    """An edit view whose save goes through an app service (``save(form)``)."""

    def save(self, form):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                obj = self.save(form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
                return self.render_form(form, instance)
            except ValidationError as exc:
                form.add_error(None, exc)
                return self.render_form(form, instance)
            messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
            return redirect(self.url("detail", obj.pk))
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


class MeetingList(ObjectListView):
    model = Meeting
    template_name = "duties/meeting_list.html"
    columns = [
        Column("title", label=gettext_lazy("Meeting"), link=True),
        "held_on",
        "kind",
        "location",
        "chair",
    ]
    search_fields = ["title", "minutes", "decisions__text"]
    select_related = ["chair"]

    def common_context(self):
        return {**super().common_context(), "months": selectors.meeting_months(self.request.user)}


class MeetingDetail(ObjectDetailView):
    model = Meeting
    template_name = "duties/meeting_detail.html"
    fields = [
        Column("title", label=gettext_lazy("Meeting")),
        "kind",
        "held_on",
        "location",
        "chair",
        "attendees",
        "minutes",
    ]

    def extra_context(self, obj):
        user = self.request.user
        may_change = Meeting.objects.restrict(user, Action.CHANGE).filter(pk=obj.pk).exists()
        decisions = (
            Decision.objects.restrict(user)
            .filter(meeting=obj)
            .select_related("lead", "task")
            .prefetch_related("co_orgs")
        )
        return {
            "decisions": decisions,
            "may_change": may_change,
            "decision_form": DecisionForm(user=user) if may_change else None,
        }


class MeetingEdit(ServiceEditView):
    model = Meeting
    form_class = MeetingForm

    def save(self, form):
        return services.meeting_save(actor=self.request.user, form=form)


class MeetingDelete(ObjectDeleteView):
    model = Meeting


class DecisionAdd(ScopedObjectMixin, View):
    """Add a decision to a meeting (安委办)."""

    scoping = "post_only"
    model = Meeting
    action = Action.CHANGE

    def get(self, request, *args, **kwargs):
        raise Http404

    def post(self, request, *args, **kwargs):
        from dixian.core.services import object_save

        meeting = self.get_object()
        form = DecisionForm(data=request.POST, user=request.user)
        if form.is_valid():
            form.instance.meeting = meeting
            object_save(actor=request.user, instance=form.instance, form=form)
            messages.success(request, _("Decision added."))
        else:
            errors = "; ".join(
                f"{form.fields[k].label}: {' '.join(v)}"
                for k, v in form.errors.items()
                if k in form.fields
            )
            messages.error(
                request, _("The decision was not added: %(errors)s") % {"errors": errors}
            )
        return redirect("duties:meeting_detail", meeting.pk)


class DecisionToTask(ScopedObjectMixin, View):
    """POST: one click turns a decision into a key task with milestones."""

    scoping = "post_only"
    model = Decision
    action = Action.CHANGE

    def get(self, request, *args, **kwargs):
        raise Http404

    def post(self, request, *args, **kwargs):
        decision = self.get_object()
        try:
            task = services.decision_to_task(actor=request.user, decision=decision)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("duties:meeting_detail", decision.meeting_id)
        messages.success(request, _("Key task created with its milestones."))
        return redirect("duties:keytask_detail", task.pk)


# --- 包保 -----------------------------------------------------------------------------------------


class GuaranteeList(ObjectListView):
    model = Guarantee
    template_name = "duties/guarantee_list.html"
    columns = [
        Column("enterprise", link=True),
        "leader",
        "department",
        "dept_head",
        "visit_every_months",
        "next_visit_due",
        "visit_state",
    ]
    search_fields = ["enterprise__name", "leader__name", "dept_head__name"]
    select_related = ["enterprise", "leader", "department", "dept_head"]

    def common_context(self):
        qs = Guarantee.objects.restrict(self.request.user).filter(is_active=True)
        overdue = qs.filter(visit_state=VisitState.OVERDUE).select_related("enterprise", "leader")
        return {**super().common_context(), "overdue_guarantees": overdue}


class GuaranteeDetail(ObjectDetailView):
    model = Guarantee
    template_name = "duties/guarantee_detail.html"
    fields = [
        "enterprise",
        "leader",
        "department",
        "dept_head",
        "visit_every_months",
        "start_date",
        "end_date",
        "is_active",
        "next_visit_due",
        "visit_state",
    ]
    related = [
        (
            gettext_lazy("Visits"),
            lambda obj, user: (
                GuaranteeVisit.objects.restrict(user)
                .filter(guarantee=obj)
                .select_related("visitor")
            ),
            ["visited_on", "kind", "visitor", "hazards_found", "findings"],
            None,
        ),
    ]

    def extra_context(self, obj):
        user = self.request.user
        may_visit = is_county_wide(user, Action.CHANGE) or (
            user.person_id is not None and user.person_id in {obj.leader_id, obj.dept_head_id}
        )
        return {"may_visit": may_visit}


class GuaranteeEdit(ServiceEditView):
    model = Guarantee
    form_class = GuaranteeForm

    def save(self, form):
        return services.guarantee_save(actor=self.request.user, form=form)


class GuaranteeDelete(ObjectDeleteView):
    model = Guarantee


class GuaranteeVisitAdd(ScopedObjectMixin, View):
    """A guarantor (or 安委办) records a visit or underground inspection."""

    model = Guarantee
    template_name = "duties/visit_form.html"

    def render_form(self, form, obj, allowed):
        return render(
            self.request,
            self.template_name,
            {"form": form, "guarantee": obj, "allowed": allowed},
        )

    def allowed(self, obj) -> bool:
        user = self.request.user
        return is_county_wide(user, Action.CHANGE) or (
            user.person_id is not None and user.person_id in {obj.leader_id, obj.dept_head_id}
        )

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        initial = {"visitor": request.user.person_id, "visited_on": clock.now().date()}
        return self.render_form(VisitForm(guarantee=obj, initial=initial), obj, self.allowed(obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = VisitForm(request.POST, guarantee=obj)
        if form.is_valid():
            try:
                services.record_visit(actor=request.user, guarantee=obj, **form.cleaned_data)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Visit recorded."))
                return redirect("duties:guarantee_detail", obj.pk)
        return self.render_form(form, obj, self.allowed(obj))


# --- duty lists --------------------------------------------------------------------------------


class DutyListList(ObjectListView):
    model = DutyList
    columns = [
        Column("title", label=gettext_lazy("Duty list"), link=True),
        "org",
        "kind",
        "position",
        "version",
        "updated_at",
    ]
    search_fields = ["title", "content", "position", "org__name"]
    select_related = ["org"]


class DutyListDetail(ObjectDetailView):
    model = DutyList
    template_name = "duties/dutylist_detail.html"
    fields = [
        "org",
        "kind",
        "position",
        Column("title", label=gettext_lazy("Duty list")),
        "version",
        "updated_at",
    ]

    def extra_context(self, obj):
        versions = list(obj.versions.select_related("changed_by").order_by("-number"))
        return {"versions": versions, "lines": obj.content.splitlines()}


class DutyListEdit(ServiceEditView):
    model = DutyList
    form_class = DutyListForm

    def save(self, form):
        return services.duty_list_save(
            actor=self.request.user, form=form, note=form.cleaned_data.get("note", "")
        )


class DutyListDelete(ObjectDeleteView):
    model = DutyList


class DutyListDiff(ScopedObjectMixin, View):
    """The difference between two versions of a duty list (default: the last two)."""

    model = DutyList

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        versions = {v.number: v for v in obj.versions.select_related("changed_by")}
        numbers = sorted(versions)

        def pick(name, default):
            try:
                n = int(request.GET.get(name, ""))
            except ValueError:
                return default
            return n if n in versions else default

        new = pick("b", numbers[-1] if numbers else None)
        old = pick("a", max((n for n in numbers if new is None or n < new), default=new))
        a, b = versions.get(old), versions.get(new)
        lines = services.duty_list_diff(a.content if a else "", b.content if b else "")
        return render(
            request,
            "duties/dutylist_diff.html",
            {"object": obj, "a": a, "b": b, "lines": lines, "numbers": numbers},
        )
