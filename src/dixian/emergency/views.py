"""Pages of emergency preparedness: plans, drills and compliance, teams and reserves, duty."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dixian.core import clock
from dixian.core.choices import Action, OrgKind
from dixian.core.models import Organisation
from dixian.core.scoping import is_county_wide, may_act
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedObjectMixin,
)

from . import forms as f
from . import selectors, services
from .models import (
    Drill,
    DrillAction,
    DrillRule,
    DutyCall,
    DutyShift,
    Expert,
    Handover,
    Plan,
    PlanRecord,
    PlanRule,
    PlanVersion,
    RescueTeam,
    ReserveItem,
    StockMovement,
    TeamEquipment,
    TeamMember,
    Warehouse,
)


def registry(model, fields, columns, search=(), detail=None, related=(), **detail_attrs):
    """List, detail, edit and delete views of a registry model (NetBox style)."""
    name = model.__name__
    form = f.form_for(model, fields)
    attrs = {"model": model, "columns": columns, "search_fields": list(search)}
    rel = [r for r in related]
    views = (
        type(f"{name}List", (ObjectListView,), attrs),
        type(
            f"{name}Detail",
            (detail or ObjectDetailView,),
            {"model": model, "related": rel, **detail_attrs},
        ),
        type(f"{name}Edit", (ObjectEditView,), {"model": model, "form_class": form}),
        type(f"{name}Delete", (ObjectDeleteView,), {"model": model}),
    )
    return views


def _rel(title, model, fk, cols, url_base=None):
    return (
        title,
        lambda obj, user: model.objects.restrict(user).filter(**{fk: obj}),
        cols,
        url_base,
    )


# Plans ---------------------------------------------------------------------------------------


class PlanDetailBase(ObjectDetailView):
    template_name = "emergency/plan_detail.html"

    def extra_context(self, obj):
        may_change = Plan.objects.restrict(self.request.user, Action.CHANGE).filter(pk=obj.pk)
        return {
            "may_change": may_change.exists(),
            "versions": PlanVersion.objects.restrict(self.request.user).filter(plan=obj),
            "records": PlanRecord.objects.restrict(self.request.user).filter(plan=obj),
            "version_form": f.style(f.VersionForm()),
            "record_form": f.RecordForm(user=self.request.user),
            "cycle_months": services.evaluation_months(obj),
        }


PLAN = registry(
    Plan,
    ["owner", "title", "number", "level", "kind", "hazards", "published_on", "in_force"],
    [
        Column("title", link=True),
        "owner",
        "level",
        "kind",
        "published_on",
        "evaluation_due_at",
        "evaluation_state",
    ],
    search=["title", "number", "owner__name"],
    detail=PlanDetailBase,
)
PLAN[0].select_related = ["owner"]


class PlanAct(ScopedObjectMixin, View):
    """Upload a version or add a review / filing / evaluation / revision record (POST only)."""

    model = Plan
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        plan = self.get_object(Action.CHANGE)
        try:
            if request.POST.get("op") == "version":
                form = f.VersionForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError(_("Give the version and choose the file."))
                services.upload_version(
                    actor=request.user,
                    plan=plan,
                    upload=form.cleaned_data["file"],
                    version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                )
            elif request.POST.get("op") == "record":
                form = f.RecordForm(data=request.POST, user=request.user)
                if not form.is_valid():
                    raise ValidationError(_("Give the kind and the date of the record."))
                services.add_record(actor=request.user, plan=plan, record=form.save(commit=False))
            else:
                raise Http404
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect("emergency:plan_detail", plan.pk)


class PlanVersionDownload(ScopedObjectMixin, View):
    model = PlanVersion

    def get(self, request, pk):
        from django.http import FileResponse

        v = self.get_object()
        return FileResponse(
            v.file.open("rb"), as_attachment=True, filename=v.file.name.split("/")[-1]
        )


RULES = registry(
    PlanRule,
    ["level", "kind", "evaluation_months", "basis"],
    [Column("level", link=True), "kind", "evaluation_months", "basis"],
)

# Drills --------------------------------------------------------------------------------------


class DrillDetailBase(ObjectDetailView):
    template_name = "emergency/drill_detail.html"

    def extra_context(self, obj):
        user = self.request.user
        return {
            "may_change": Drill.objects.restrict(user, Action.CHANGE).filter(pk=obj.pk).exists(),
            "actions": DrillAction.objects.restrict(user).filter(drill=obj).select_related("owner"),
            "action_form": f.ActionForm(user=user),
            "close_form": f.style(f.CloseActionForm()),
        }


DRILL = registry(
    Drill,
    [
        "organiser",
        "plan",
        "title",
        "held_on",
        "scope",
        "form",
        "location",
        "participants",
        "participant_orgs",
        "evaluation",
    ],
    [Column("title", link=True), "organiser", "held_on", "scope", "form", "participants"],
    search=["title", "organiser__name", "location"],
    detail=DrillDetailBase,
)
DRILL[0].select_related = ["organiser"]


class DrillAct(ScopedObjectMixin, View):
    """Add or close an improvement action (POST only)."""

    model = Drill
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        drill = self.get_object(Action.CHANGE)
        try:
            if request.POST.get("op") == "action":
                form = f.ActionForm(data=request.POST, user=request.user)
                if not form.is_valid():
                    raise ValidationError(_("Give the action, its owner and the due date."))
                a = form.save(commit=False)
                a.drill = drill
                from dixian.core.services import object_save

                object_save(actor=request.user, instance=a)
            elif request.POST.get("op") == "close":
                form = f.CloseActionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the date and how it was done."))
                a = get_object_or_404(
                    DrillAction.objects.restrict(request.user, Action.CHANGE),
                    pk=form.cleaned_data["action"],
                    drill=drill,
                )
                services.close_action(
                    actor=request.user,
                    action=a,
                    on=form.cleaned_data["on"],
                    note=form.cleaned_data["note"],
                )
            else:
                raise Http404
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect("emergency:drill_detail", drill.pk)


DRILLRULE = registry(
    DrillRule,
    ["name", "subject", "scope", "period_months", "calendar_year", "basis", "active"],
    [Column("name", link=True), "subject", "scope", "period_months", "calendar_year", "active"],
)


class Compliance(LoginRequiredMixin, View):
    """Who is due or late with their drills, by rule (演练合规)."""

    def get(self, request):
        rows = selectors.compliance(request.user)
        counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("late", "due", "ok")}
        status = request.GET.get("status")
        shown = [r for r in rows if r["status"] == status] if status in counts else rows
        return render(
            request,
            "emergency/compliance.html",
            {
                "rows": shown[:500],
                "counts": counts,
                "status": status,
                "may_remind": is_county_wide(request.user, Action.CHANGE),
                "chart": [
                    {"name": str(label), "value": counts[key]}
                    for key, label in STATUS_LABELS.items()
                    if counts[key]
                ],
            },
        )


STATUS_LABELS = {
    "late": gettext_lazy("Late"),
    "due": gettext_lazy("Due now"),
    "ok": gettext_lazy("Up to date"),
}


class ComplianceRemind(LoginRequiredMixin, View):
    scoping = "post_only"

    def post(self, request):
        if not is_county_wide(request.user, Action.CHANGE):
            raise Http404
        n = services.send_drill_reminders(
            actor=request.user, rows=selectors.compliance(request.user)
        )
        messages.success(request, _("Reminders sent to %(n)d organisations.") % {"n": n})
        return redirect("emergency:compliance")


# Teams and reserves --------------------------------------------------------------------------

TEAM = registry(
    RescueTeam,
    ["org", "name", "kind", "specialties", "leader", "phone", "latitude", "longitude"],
    [Column("name", link=True), "org", "kind", "leader", "phone"],
    search=["name", "specialties", "leader"],
    related=[
        _rel(gettext_lazy("Members"), TeamMember, "team", ["name", "role", "phone", "skills"],
             "emergency:teammember"),
        _rel(gettext_lazy("Equipment"), TeamEquipment, "team", ["name", "quantity", "unit"],
             "emergency:teamequipment"),
    ],
)  # fmt: skip
MEMBER = registry(
    TeamMember,
    ["team", "name", "role", "phone", "skills"],
    [Column("name", link=True), "team", "role", "phone"],
    search=["name", "team__name"],
)
EQUIPMENT = registry(
    TeamEquipment,
    ["team", "name", "quantity", "unit"],
    [Column("name", link=True), "team", "quantity", "unit"],
    search=["name"],
)
WAREHOUSE = registry(
    Warehouse,
    ["org", "name", "address", "keeper", "phone", "latitude", "longitude"],
    [Column("name", link=True), "org", "address", "keeper", "phone"],
    search=["name", "address"],
    related=[
        _rel(gettext_lazy("Items"), ReserveItem, "warehouse",
             ["name", "category", "quantity", "unit", "expires_on"], "emergency:reserveitem"),
    ],
)  # fmt: skip


class ReserveItemDetailBase(ObjectDetailView):
    template_name = "emergency/item_detail.html"
    related = [
        _rel(
            gettext_lazy("Stock movements"), StockMovement, "item", ["at", "delta", "reason", "by"]
        ),
    ]

    def extra_context(self, obj):
        may = ReserveItem.objects.restrict(self.request.user, Action.CHANGE).filter(pk=obj.pk)
        return {"may_change": may.exists(), "stock_form": f.style(f.StockForm())}


ITEM = registry(
    ReserveItem,
    ["warehouse", "name", "category", "unit", "expires_on"],
    [Column("name", link=True), "warehouse", "category", "quantity", "unit", "expires_on"],
    search=["name", "category"],
    detail=ReserveItemDetailBase,
)
ITEM[1].related = ReserveItemDetailBase.related


class StockMove(ScopedObjectMixin, View):
    model = ReserveItem
    action = Action.CHANGE
    scoping = "post_only"

    def post(self, request, pk):
        item = self.get_object(Action.CHANGE)
        form = f.StockForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Give the change and the reason."))
            services.move_stock(
                actor=request.user,
                item=item,
                delta=form.cleaned_data["delta"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        return redirect("emergency:reserveitem_detail", item.pk)


EXPERT = registry(
    Expert,
    ["org", "name", "specialty", "employer", "phone", "latitude", "longitude"],
    [Column("name", link=True), "specialty", "employer", "phone"],
    search=["name", "specialty", "employer"],
)


class ResourceMap(LoginRequiredMixin, View):
    """Teams, warehouses and experts on the map; click a place for the nearest ones."""

    def get(self, request):
        user = request.user
        points = []
        for model, kind in ((RescueTeam, "team"), (Warehouse, "warehouse"), (Expert, "expert")):
            for o in model.objects.restrict(user).exclude(latitude=None).exclude(longitude=None):
                points.append(
                    {
                        "lat": float(o.latitude),
                        "lng": float(o.longitude),
                        "name": str(o),
                        "url": reverse(f"emergency:{model._meta.model_name}_detail", args=[o.pk]),
                        "industry": str(model._meta.verbose_name),
                        "kind": kind,
                    }
                )
        return render(request, "emergency/map.html", {"points": points})


class Nearest(LoginRequiredMixin, View):
    """JSON: the nearest resources to ``?lat=&lng=`` (haversine, km)."""

    def get(self, request):
        if "lat" not in request.GET and "lng" not in request.GET:
            return JsonResponse({"teams": [], "warehouses": [], "experts": []})
        form = f.PointForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"error": "lat and lng are required"}, status=400)
        found = selectors.nearest(request.user, form.cleaned_data["lat"], form.cleaned_data["lng"])
        return JsonResponse(
            {
                key: [
                    {
                        "name": str(o),
                        "km": round(km, 2),
                        "phone": getattr(o, "phone", ""),
                        "url": reverse(f"emergency:{o._meta.model_name}_detail", args=[o.pk]),
                    }
                    for km, o in rows
                ]
                for key, rows in found.items()
            }
        )


# Duty ----------------------------------------------------------------------------------------

SHIFT = registry(
    DutyShift,
    ["org", "starts_at", "ends_at", "leader", "officers", "phone"],
    [Column("starts_at", link=True), "ends_at", "org", "leader", "officers", "phone"],
    search=["leader", "officers"],
    related=[
        _rel(gettext_lazy("Handovers"), Handover, "shift", ["at", "handed_by", "taken_by"],
             "emergency:handover"),
    ],
)  # fmt: skip
HANDOVER = registry(
    Handover,
    ["shift", "at", "handed_by", "taken_by", "open_matters"],
    [Column("at", link=True), "shift", "handed_by", "taken_by"],
    search=["handed_by", "taken_by", "open_matters"],
)
CALL = registry(
    DutyCall,
    ["org", "at", "caller", "phone", "category", "summary", "action_taken", "accident"],
    [Column("at", link=True), "caller", "phone", "category", "summary"],
    search=["caller", "phone", "summary"],
)


class DutyBoard(LoginRequiredMixin, View):
    """The next 7 days of the roster, with gaps in 24-hour coverage flagged ahead of time."""

    def get(self, request):
        user = request.user
        offices = Organisation.objects.restrict(user).filter(
            kind__in=[OrgKind.DEPARTMENT, OrgKind.TOWNSHIP_GOVERNMENT, OrgKind.GOVERNMENT]
        )
        org = None
        if request.GET.get("org", "").isdigit():
            org = offices.filter(pk=int(request.GET["org"])).first()
        if org is None:
            with_shifts = offices.filter(duty_shifts__isnull=False).distinct()
            org = (
                with_shifts.filter(pk=user.org_id).first()
                or with_shifts.first()
                or offices.filter(pk=user.org_id).first()
            )
        shifts, gaps, start, end = ([], [], None, None)
        if org is not None:
            shifts, gaps, start, end = selectors.duty_week(user, org, clock.now())
        calls = DutyCall.objects.restrict(user).select_related("org")[:10]
        return render(
            request,
            "emergency/duty.html",
            {
                "org": org,
                "offices": offices.filter(duty_shifts__isnull=False).distinct(),
                "shifts": shifts,
                "gaps": gaps,
                "start": start,
                "end": end,
                "calls": calls,
                "may_add": may_act(user, Action.CHANGE),
            },
        )
