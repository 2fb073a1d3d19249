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

from dixian.core.choices import Action
from dixian.core.scoping import may_create
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
from .forms import KeyTaskForm, NoticeUploadForm, ProgressReportForm, ReviewForm
from .models import (
    KeyTask,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReportState,
    TaskAssignment,
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
