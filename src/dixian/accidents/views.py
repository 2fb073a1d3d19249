"""Pages of the accidents: reports and clocks, supplementary reports, investigations,
accountability, the serious-dishonesty list and bulletins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from dixian.core import clock
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

from . import forms as f
from . import services
from .filtersets import AccidentFilterSet
from .models import (
    Accident,
    AccidentClock,
    AccountabilityDecision,
    Bulletin,
    BulletinReceipt,
    ClockState,
    DishonestyListing,
    Grade,
    Investigation,
    InvestigationState,
    SupplementaryReport,
)


def _errors(request, exc: ValidationError):
    for msg in exc.messages:
        messages.error(request, msg)


class AccidentList(ObjectListView):
    model = Accident
    columns = [
        "number",
        Column("title", link=True),
        "unit",
        "occurred_at",
        "grade",
        "deaths",
        "serious_injuries",
        "direct_loss_yuan",
        "late_reported",
    ]
    filterset_class = AccidentFilterSet
    search_fields = ["number", "title", "unit__name", "place"]
    select_related = ["unit"]


class AccidentBoard(LoginRequiredMixin, View):
    """Overview: accidents this year by grade and month, the clocks running and late."""

    def get(self, request):
        user = request.user
        qs = Accident.objects.restrict(user)
        year = clock.now().astimezone(services.LOCAL).year
        this_year = qs.filter(occurred_at__year=year)
        by_grade = dict(this_year.values_list("grade").annotate(n=Count("pk")).order_by())
        chart = [
            {"name": str(label), "value": by_grade.get(value, 0)}
            for value, label in Grade.choices
            if by_grade.get(value)
        ]
        clocks = (
            AccidentClock.objects.restrict(user)
            .filter(state__in=[ClockState.RUNNING, ClockState.OVERDUE])
            .select_related("accident")
            .order_by("due_at")
        )
        return render(
            request,
            "accidents/board.html",
            {
                "year": year,
                "numbers": services.summary_numbers(this_year),
                "chart": chart,
                "clocks": clocks[:50],
                "late_count": clocks.filter(state=ClockState.OVERDUE).count(),
                "recent": qs.select_related("unit")[:10],
                "may_report": may_create(user, Accident),
            },
        )


class AccidentReport(ScopedObjectMixin, View):
    """The first report (首报), written by the duty officer from a call or by the unit."""

    model = Accident
    action = Action.CHANGE
    template_name = "accidents/accident_form.html"

    def render_form(self, form):
        return render(self.request, self.template_name, {"form": form})

    def get(self, request):
        if not self.may_create():
            raise Http404
        return self.render_form(f.AccidentForm(user=request.user))

    def post(self, request):
        if not self.may_create():
            raise Http404
        form = f.AccidentForm(data=request.POST, user=request.user)
        if form.is_valid():
            obj = form.save(commit=False)
            obj.received_at = form.cleaned_data.get("received_at")
            try:
                obj = services.report_accident(actor=request.user, accident=obj)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("Report recorded: %(n)s") % {"n": obj.number})
                return redirect("accidents:accident_detail", obj.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form)


class AccidentDetail(ObjectDetailView):
    model = Accident
    editable = False
    template_name = "accidents/accident_detail.html"

    def extra_context(self, obj):
        user = self.request.user
        may_change = Accident.objects.restrict(user, Action.CHANGE).filter(pk=obj.pk).exists()
        government = may_change and (user.is_superuser or user.role in services.GOVERNMENT_ROLES)
        inv = Investigation.objects.restrict(user).filter(accident=obj).first()
        return {
            "clocks": obj.clocks.all(),
            "supplements": obj.supplements.all(),
            "pending_forward": services.pending_forward(obj),
            "may_change": may_change,
            "government": government or user.role == "admin",
            "investigation": inv,
            "forward_form": f.ForwardForm(),
            "investigation_form": f.InvestigationForm(user=user),
            "window_end": services.rules.supplement_window_end(obj.occurred_at, obj.road_or_fire),
            "chain": [
                dict(services.Accident._meta.get_field("report_up_to").choices)[lv]
                for lv in services.chain_of(obj)
            ],
            "decisions": AccountabilityDecision.objects.restrict(user).filter(accident=obj),
        }


class AccidentAct(ScopedObjectMixin, View):
    """Forward the report one level up, or start the investigation (POST only)."""

    model = Accident
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        obj = self.get_object(Action.CHANGE)
        op = request.POST.get("op")
        try:
            if op == "forward":
                form = f.ForwardForm(request.POST)
                at = form.cleaned_data.get("at") if form.is_valid() else None
                c = services.forward(actor=request.user, accident=obj, at=at)
                if c.late:
                    messages.warning(request, _("Forwarded, but late (迟报)."))
                else:
                    messages.success(request, _("Forwarded in time."))
            elif op == "investigate":
                form = f.InvestigationForm(data=request.POST, user=request.user)
                if not form.is_valid():
                    messages.error(request, _("Please give the team leader and the start date."))
                else:
                    inv = services.start_investigation(
                        actor=request.user, accident=obj, inv=form.save(commit=False)
                    )
                    return redirect("accidents:investigation_detail", inv.pk)
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("Not allowed."))
        return redirect("accidents:accident_detail", obj.pk)


class SupplementAdd(ScopedObjectMixin, View):
    """A supplementary report (续报) with the new figures."""

    model = Accident
    action = Action.CHANGE
    template_name = "accidents/supplement_form.html"

    def render_form(self, obj, form):
        return render(self.request, self.template_name, {"object": obj, "form": form})

    def get(self, request, pk):
        obj = self.get_object(Action.CHANGE)
        initial = {k: getattr(obj, k) for k in services.FIGURES}
        return self.render_form(obj, f.SupplementForm(initial=initial, user=request.user))

    def post(self, request, pk):
        obj = self.get_object(Action.CHANGE)
        form = f.SupplementForm(data=request.POST, user=request.user)
        if form.is_valid():
            before = obj.get_grade_display()
            report = form.save(commit=False)
            services.supplement(actor=request.user, accident=obj, report=report)
            if not report.within_window:
                messages.warning(
                    request,
                    _("Recorded after the supplementary window: the grade is unchanged."),
                )
            elif report.grade_after != report.grade_before:
                messages.warning(
                    request,
                    _("The accident was re-graded from %(a)s to %(b)s.")
                    % {"a": before, "b": obj.get_grade_display()},
                )
            else:
                messages.success(request, _("Supplementary report recorded."))
            return redirect("accidents:accident_detail", obj.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(obj, form)


class SupplementDetail(ObjectDetailView):
    model = SupplementaryReport
    editable = False


class InvestigationList(ObjectListView):
    model = Investigation
    columns = [
        Column("accident", link=True),
        "lead",
        "started_on",
        "due_on",
        "state",
        "reply_due_on",
        "follow_up_due_on",
    ]
    search_fields = ["accident__title", "accident__number", "lead"]
    select_related = ["accident"]
    can_add = False


class InvestigationDetail(ObjectDetailView):
    model = Investigation
    editable = False
    template_name = "accidents/investigation_detail.html"
    fields = [
        "accident",
        "lead",
        "members",
        "started_on",
        "extension_days",
        "extension_approval",
        "appraisal_days",
        "due_on",
        "state",
        "course",
        "causes",
        "nature",
        "responsibility",
        "measures",
        "report_submitted_on",
        "reply_due_on",
        "replied_on",
        "follow_up_due_on",
        "follow_up_done_on",
        "closed_at",
    ]

    def extra_context(self, obj):
        user = self.request.user
        may_change = Investigation.objects.restrict(user, Action.CHANGE).filter(pk=obj.pk).exists()
        return {
            "may_change": may_change,
            "evidence": obj.evidence.all(),
            "unmet": services.unmet_items(obj),
            "report_form": f.style(f.ReportForm()),
            "extension_form": f.style(
                f.ExtensionForm(
                    initial={
                        "extension_days": obj.extension_days,
                        "extension_approval": obj.extension_approval,
                        "appraisal_days": obj.appraisal_days,
                    }
                )
            ),
            "date_form": f.style(f.DateForm()),
            "evidence_form": f.style(f.EvidenceForm()),
            "States": InvestigationState,
            "clocks": obj.accident.clocks.filter(kind__in=["investigation", "reply", "follow_up"]),
        }


class InvestigationAct(ScopedObjectMixin, View):
    """Report, extension, reply, follow-up, evidence and closing (POST only)."""

    model = Investigation
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        inv = self.get_object(Action.CHANGE)
        op = request.POST.get("op")
        user = request.user
        try:
            if op == "report":
                form = f.ReportForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Fill in every part of the report."))
                services.submit_report(
                    actor=user,
                    inv=inv,
                    data=form.cleaned_data,
                    submitted_on=form.cleaned_data["submitted_on"],
                )
            elif op == "extend":
                form = f.ExtensionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("An extension may not exceed 60 days (Art. 29)."))
                d = form.cleaned_data
                services.extend_investigation(
                    actor=user,
                    inv=inv,
                    extension_days=d["extension_days"],
                    approval=d["extension_approval"],
                    appraisal_days=d["appraisal_days"],
                )
            elif op in ("reply", "follow_up"):
                form = f.DateForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the date."))
                if op == "reply":
                    services.record_reply(actor=user, inv=inv, replied_on=form.cleaned_data["on"])
                else:
                    services.record_follow_up(actor=user, inv=inv, done_on=form.cleaned_data["on"])
            elif op == "evidence":
                form = f.EvidenceForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose the item and describe the evidence."))
                services.add_evidence(actor=user, inv=inv, **form.cleaned_data)
            elif op == "close":
                services.close_investigation(actor=user, inv=inv)
                messages.success(request, _("The case is closed."))
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        else:
            if op != "close":
                messages.success(request, _("Saved."))
        return redirect("accidents:investigation_detail", inv.pk)


DECISION_COLUMNS = [
    Column("accident", link=True),
    "person_name",
    "org",
    "measure",
    "decided_on",
    "decided_by",
]


class DecisionList(ObjectListView):
    model = AccountabilityDecision
    columns = DECISION_COLUMNS
    search_fields = ["person_name", "org__name", "accident__title"]
    select_related = ["accident", "org"]


class DecisionDetail(ObjectDetailView):
    model = AccountabilityDecision


class DecisionEdit(ObjectEditView):
    model = AccountabilityDecision
    form_class = f.DecisionForm


class DecisionDelete(ObjectDeleteView):
    model = AccountabilityDecision


class ListingList(ObjectListView):
    model = DishonestyListing
    columns = [Column("subject", link=True), "person_name", "listed_on", "expires_on", "removed_on"]
    search_fields = ["subject__name", "person_name", "reason"]
    select_related = ["subject"]


class ListingDetail(ObjectDetailView):
    model = DishonestyListing
    template_name = "accidents/listing_detail.html"

    def extra_context(self, obj):
        return {"removal_form": f.style(f.RemovalForm())}


class ListingEdit(ObjectEditView):
    model = DishonestyListing
    form_class = f.ListingForm


class ListingDelete(ObjectDeleteView):
    model = DishonestyListing


class ListingRemove(ScopedObjectMixin, View):
    model = DishonestyListing
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        obj = self.get_object(Action.CHANGE)
        form = f.RemovalForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the date and the reason for the removal."))
        else:
            try:
                services.remove_listing(
                    actor=request.user,
                    listing=obj,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Removed from the list."))
            except ValidationError as exc:
                _errors(request, exc)
        return redirect("accidents:dishonestylisting_detail", obj.pk)


class BulletinList(ObjectListView):
    model = Bulletin
    columns = [Column("title", link=True), "issuer", "accident", "sent_at"]
    search_fields = ["title", "body"]
    select_related = ["issuer", "accident"]


class BulletinDetail(ObjectDetailView):
    model = Bulletin
    template_name = "accidents/bulletin_detail.html"
    fields = ["title", "accident", "issuer", "industries", "sent_at", "body"]

    def extra_context(self, obj):
        user = self.request.user
        receipts = BulletinReceipt.objects.restrict(user).filter(bulletin=obj)
        receipts = receipts.select_related("enterprise", "read_by")
        own_unread = receipts.filter(read_at=None, enterprise__users=user).exists()
        total = receipts.count()
        read = receipts.exclude(read_at=None).count()
        return {
            "receipts": receipts,
            "own_unread": own_unread,
            "read_count": read,
            "total": total,
            "may_send": not obj.sent_at
            and Bulletin.objects.restrict(user, Action.CHANGE).filter(pk=obj.pk).exists(),
            "targets": services.bulletin_targets(obj) if not obj.sent_at else None,
        }


class BulletinEdit(ObjectEditView):
    model = Bulletin
    form_class = f.BulletinForm


class BulletinDelete(ObjectDeleteView):
    model = Bulletin


class BulletinAct(ScopedObjectMixin, View):
    """Send (issuer) or acknowledge (receiving enterprise) a bulletin (POST only)."""

    model = Bulletin
    scoping = "post_only"

    def post(self, request, pk):
        obj = self.get_object()
        op = request.POST.get("op")
        try:
            if op == "send":
                if (
                    not Bulletin.objects.restrict(request.user, Action.CHANGE)
                    .filter(pk=pk)
                    .exists()
                ):
                    raise Http404
                n = services.send_bulletin(actor=request.user, bulletin=obj)
                messages.success(request, _("Sent to %(n)d enterprises.") % {"n": n})
            elif op == "ack":
                services.acknowledge_bulletin(actor=request.user, bulletin=obj)
                messages.success(request, _("Receipt confirmed."))
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("accidents:bulletin_detail", obj.pk)
