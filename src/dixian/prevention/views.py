"""Pages of double prevention: hazards and their closed loop, the 动态清零 board, statistics
and reports, risk points (four-colour map, notice card, QR patrol page), major hazard
sources, public reports."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from dixian.core import clock
from dixian.core.choices import Action, OrgKind
from dixian.core.models import AuditEvent, Division, Organisation
from dixian.core.pdf import pdf_response, render_pdf
from dixian.core.scoping import may_create
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedObjectMixin,
)

from . import criteria, forms, selectors, services
from .models import (
    Filing,
    Hazard,
    HazardLevel,
    HazardPhoto,
    HazardSource,
    HazardState,
    Inventory,
    MajorHazardSource,
    PublicReport,
    PublicReportState,
    RiskCheck,
    RiskLevel,
    RiskPoint,
    SitePlan,
    SupervisionNotice,
    WorkforceNotice,
)

PAGE = 25


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- hazards ----------------------------------------------------------------------------------

HAZARD_COLUMNS = [
    Column("title", link=True),
    Column("enterprise"),
    "level",
    "state",
    "source",
    "found_at",
    "due_at",
]


class HazardList(ObjectListView):
    """All hidden hazards in scope, newest first, with keyset pages (no COUNT over the table)."""

    model = Hazard
    columns = HAZARD_COLUMNS
    template_name = "prevention/hazard_list.html"
    search_fields: list[str] = []
    title = gettext_lazy("Hidden hazards")

    def get_queryset(self):
        request = self.request
        qs = Hazard.objects.restrict(request.user).select_related("enterprise")
        g = request.GET
        if g.get("state") in HazardState.values:
            qs = qs.filter(state=g["state"])
        if g.get("level") in HazardLevel.values:
            qs = qs.filter(level=g["level"])
        if g.get("source") in HazardSource.values:
            qs = qs.filter(source=g["source"])
        if g.get("open") == "1":
            qs = qs.filter(is_open=True)
        elif g.get("open") == "0":
            qs = qs.filter(is_open=False)
        if g.get("overdue") == "1":
            qs = qs.filter(is_open=True, due_at__lt=clock.now())
        for key, field in (("enterprise", "enterprise_id"), ("department", "department_id")):
            if g.get(key, "").isdigit():
                qs = qs.filter(**{field: int(g[key])})
        if g.get("township", "").isdigit():
            qs = qs.filter(
                enterprise__in=Organisation.objects.filter(division_id=int(g["township"])).values(
                    "pk"
                )
            )
        if g.get("industry", "").isdigit():
            qs = qs.filter(
                enterprise__in=Organisation.objects.filter(industries=int(g["industry"])).values(
                    "pk"
                )
            )
        q = g.get("q", "").strip()
        if q:
            qs = qs.filter(title__icontains=q)
        return qs.order_by("-pk")

    def get(self, request, *args, **kwargs):
        qs = self.get_queryset()
        export = request.GET.get("export")
        columns = [c if isinstance(c, Column) else Column(c) for c in self.columns]
        if export in ("csv", "xlsx"):
            return self.export(qs, columns, export)
        before = request.GET.get("before", "")
        if before.isdigit():
            qs = qs.filter(pk__lt=int(before))
        rows = list(qs[: PAGE + 1])
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        params = request.GET.copy()
        params.pop("before", None)
        now = clock.now()
        return render(
            request,
            self.template_name,
            {
                "title": self.title,
                "rows": rows,
                "now": now,
                "more": more,
                "next_before": rows[-1].pk if rows and more else None,
                "querystring": params.urlencode(),
                "first_page": not before,
                "g": request.GET,
                "states": HazardState.choices,
                "levels": HazardLevel.choices,
                "sources": HazardSource.choices,
                "townships": selectors.township_choices(),
                "can_add": may_create(request.user, Hazard),
            },
        )


class HazardReport(LoginRequiredMixin, View):
    """Record a hidden hazard (self-check by the enterprise, inspection by a department)."""

    model = Hazard
    action = Action.CHANGE
    template_name = "prevention/hazard_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, Hazard):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request, self.template_name, {"form": forms.HazardReportForm(user=request.user)}
        )

    def post(self, request):
        form = forms.HazardReportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                hazard = services.report_hazard(
                    actor=request.user,
                    enterprise=d["enterprise"],
                    title=d["title"],
                    description=d["description"],
                    location=d["location"],
                    level=d["level"],
                    criteria_codes=d["criteria"],
                    photos=d["photos"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Hazard recorded."))
                return redirect("prevention:hazard_detail", hazard.pk)
        return render(request, self.template_name, {"form": form}, status=200)


class HazardDetail(ScopedObjectMixin, View):
    model = Hazard
    template_name = "prevention/hazard_detail.html"

    def get(self, request, pk):
        hazard = get_object_or_404(
            Hazard.objects.restrict(request.user).select_related(
                "enterprise", "department", "assignee", "rectified_by", "verified_by", "reported_by"
            ),
            pk=pk,
        )
        actions = [
            {"name": a, "label": services.ACTION_LABELS[a]}
            for a in services.allowed_actions(request.user, hazard)
        ]
        history = AuditEvent.objects.restrict(request.user).filter(
            object_type="prevention.hazard", object_id=str(hazard.pk)
        )[:30]
        return render(
            request,
            self.template_name,
            {
                "hazard": hazard,
                "actions": actions,
                "steps": hazard.steps.select_related("actor"),
                "photos": hazard.photos.only("pk", "stage", "hazard_id"),
                "criteria": [criteria.describe(c) for c in hazard.criteria],
                "notice": SupervisionNotice.objects.filter(hazard=hazard).first(),
                "overdue": hazard.is_open and hazard.due_at and hazard.due_at < clock.now(),
                "history": history,
            },
        )


class HazardTransition(ScopedObjectMixin, View):
    """One step of the closed loop; the service decides whether it is allowed."""

    model = Hazard
    action = Action.CHANGE
    transition = ""
    template_name = "prevention/hazard_action.html"

    def render_form(self, hazard, form, error=None):
        return render(
            self.request,
            self.template_name,
            {
                "hazard": hazard,
                "form": form,
                "error": error,
                "label": services.ACTION_LABELS[self.transition],
                "transition": self.transition,
                "multipart": self.transition in ("rectify", "complete"),
            },
        )

    def get(self, request, pk):
        hazard = self.get_object()
        try:
            services.check_transition(request.user, hazard, self.transition)
        except services.TransitionError as exc:
            return self.render_form(hazard, None, exc.messages[0])
        return self.render_form(hazard, forms.action_form(self.transition, hazard=hazard))

    def post(self, request, pk):
        hazard = self.get_object()
        form = forms.action_form(self.transition, request.POST, request.FILES, hazard=hazard)
        if form.is_valid():
            try:
                services.transition(
                    actor=request.user, hazard=hazard, action=self.transition, **form.cleaned_data
                )
            except services.TransitionError as exc:
                return self.render_form(hazard, None, exc.messages[0])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Done: %(action)s") % {"action": services.ACTION_LABELS[self.transition]},
                )
                return redirect("prevention:hazard_detail", hazard.pk)
        return self.render_form(hazard, form)


def transition_view(name):
    return HazardTransition.as_view(transition=name)


class HazardPhotoView(ScopedObjectMixin, View):
    model = HazardPhoto

    def get(self, request, pk):
        photo = self.get_object()
        response = HttpResponse(bytes(photo.image), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class NoticePdf(ScopedObjectMixin, View):
    """挂牌督办通知书 as PDF."""

    model = SupervisionNotice

    def get(self, request, pk):
        notice = get_object_or_404(
            SupervisionNotice.objects.restrict(request.user).select_related(
                "hazard", "hazard__enterprise", "department"
            ),
            pk=pk,
        )
        data = render_pdf(
            "prevention/pdf/supervision_notice.html",
            {
                "notice": notice,
                "hazard": notice.hazard,
                "criteria": [criteria.describe(c) for c in notice.hazard.criteria],
            },
        )
        return pdf_response(data, f"{notice.number}.pdf")


class WorkforceNoticeList(ObjectListView):
    """The enterprise's notices to its workforce (职工公示), incl. the double report."""

    model = WorkforceNotice
    columns = [Column("title"), "enterprise", "published_at", Column("hazard")]
    can_add = False
    title = gettext_lazy("Workforce notices")
    select_related = ["enterprise", "hazard"]


class WorkforceNoticeDetail(ObjectDetailView):
    model = WorkforceNotice
    editable = False
    fields = ["enterprise", "title", "body", "published_at", "hazard"]


# --- board, statistics, reports ---------------------------------------------------------------


class Board(LoginRequiredMixin, View):
    """动态清零: open hazards by township, department, industry and level; zeroed ones shown."""

    def get(self, request):
        data = selectors.board(request.user)
        return render(request, "prevention/board.html", {"board": data, "now": clock.now()})


class CriteriaCatalogues(LoginRequiredMixin, View):
    """The determination standards' catalogues: document, edition, source, and whether the
    list is complete (a partial one says what is missing)."""

    def get(self, request):
        return render(request, "prevention/criteria.html", {"catalogues": criteria.catalogues()})


class Stats(LoginRequiredMixin, View):
    def get(self, request):
        year = _int(request.GET.get("year"), clock.now().astimezone(selectors.time_zone()).year)
        data = selectors.stats(request.user, year)
        if request.GET.get("export") == "xlsx":
            return _stats_xlsx(request.user, data)
        chart = {
            "labels": [f"{m['month']}月" for m in data["months"]],
            "values": [m["found"] for m in data["months"]],
        }
        return render(
            request,
            "prevention/stats.html",
            {
                "s": data,
                "years": range(year - 3, year + 2),
                "chart": chart,
                "months": data["months"],
                "sources": [
                    {"name": str(HazardSource(r["source"]).label), "value": r["n"]}
                    for r in data["by_source"]
                ],
            },
        )


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _stats_xlsx(user, data):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    bold = Font(bold=True)
    rows = [
        (_("Year"), data["year"]),
        (_("Found"), data["found"]),
        (_("of which major"), data["found_major"]),
        (pgettext("hazard state", "Closed"), data["closed"]),
        (_("Closed on time"), data["on_time"]),
        (_("On-time rate (%)"), data["on_time_rate"] if data["on_time_rate"] is not None else ""),
        (_("Major hazards under supervision"), data["supervised"]),
        (_("Open now"), data["open"]),
    ]
    for label, value in rows:
        ws.append([str(label), value])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.column_dimensions["A"].width = 34
    months = wb.create_sheet(_("By month")[:31])
    months.append([_("Month"), _("Found"), pgettext("hazard state", "Closed")])
    for m in data["months"]:
        months.append([m["month"], m["found"], m["closed"]])
    sup = wb.create_sheet(_("Under supervision")[:31])
    sup.append([_("Enterprise"), _("Hazard"), _("State"), _("Deadline")])
    for h in data["supervised_list"]:
        sup.append(
            [
                str(h.enterprise),
                h.title,
                h.get_state_display(),
                timezone.localtime(h.due_at).strftime("%Y-%m-%d") if h.due_at else "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="hazard-stats-{data["year"]}.xlsx"'
    return response


class MonthlyReport(LoginRequiredMixin, View):
    """The monthly hazard report (月度隐患排查治理情况): a page, and a PDF with ?format=pdf."""

    def get(self, request):
        today = clock.now().astimezone(selectors.time_zone()).date()
        try:
            year, month = (int(x) for x in request.GET.get("month", "").split("-"))
            dt.date(year, month, 1)
        except ValueError:
            year, month = today.year, today.month
        data = selectors.month_report(request.user, year, month)
        if request.GET.get("format") == "pdf":
            pdf = render_pdf(
                "prevention/pdf/monthly_report.html", {"r": data, "user": request.user}
            )
            return pdf_response(pdf, f"隐患排查治理月报-{year}-{month:02d}.pdf")
        return render(
            request,
            "prevention/monthly.html",
            {"r": data, "month_value": f"{year}-{month:02d}"},
        )


# --- risk points ------------------------------------------------------------------------------


class RiskPointList(ObjectListView):
    model = RiskPoint
    columns = [
        Column("name", link=True),
        "enterprise",
        "kind",
        "method",
        "score",
        "level",
        "control_level",
        "review_due",
    ]
    search_fields = ["name", "location", "hazard_factors"]
    select_related = ["enterprise"]

    def get_queryset(self):
        qs = super().get_queryset()
        g = self.request.GET
        if g.get("enterprise", "").isdigit():
            qs = qs.filter(enterprise_id=int(g["enterprise"]))
        if g.get("level") in RiskLevel.values:
            qs = qs.filter(level=g["level"])
        return qs


class RiskPointDetail(ObjectDetailView):
    model = RiskPoint
    template_name = "prevention/point_detail.html"
    fields = [
        "enterprise",
        "kind",
        "location",
        "hazard_factors",
        "possible_accidents",
        "method",
        "factor_l",
        "factor_e",
        "factor_c",
        "factor_s",
        "score",
        "level",
        "measures_engineering",
        "measures_management",
        "measures_training",
        "measures_ppe",
        "measures_emergency",
        "control_level",
        "responsible",
        "review_due",
        "review_state",
    ]
    related = [
        (
            gettext_lazy("Patrol checks"),
            lambda obj, user: (
                RiskCheck.objects.restrict(user)
                .filter(point=obj)
                .select_related("checked_by", "point")
            ),
            [Column("checked_at"), "checked_by", "failed"],
            "prevention:riskcheck",
        ),
        (
            gettext_lazy("Hidden hazards"),
            lambda obj, user: Hazard.objects.restrict(user).filter(risk_point=obj),
            [Column("title"), "state", "found_at"],
            "prevention:hazard",
        ),
    ]

    def extra_context(self, obj):
        return {
            "may_check": RiskPoint.objects.restrict(self.request.user, Action.CHANGE)
            .filter(pk=obj.pk)
            .exists(),
            "check_url": self.request.build_absolute_uri(
                reverse("prevention:riskpoint_check", args=[obj.pk])
            ),
        }


class RiskPointEdit(ObjectEditView):
    model = RiskPoint
    form_class = forms.RiskPointForm

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                obj = services.save_point(actor=request.user, point=form.instance, form=form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
                return redirect("prevention:riskpoint_detail", obj.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


class RiskPointDelete(ObjectDeleteView):
    model = RiskPoint


class RiskPointQr(ScopedObjectMixin, View):
    """QR code (SVG) of the point's phone check page."""

    model = RiskPoint

    def get(self, request, pk):
        point = self.get_object()
        import qrcode
        import qrcode.image.svg

        url = request.build_absolute_uri(reverse("prevention:riskpoint_check", args=[point.pk]))
        img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
        buf = io.BytesIO()
        img.save(buf)
        return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


def qr_data_uri(url: str) -> str:
    import base64

    import qrcode
    import qrcode.image.svg

    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


class RiskPointCard(ScopedObjectMixin, View):
    """风险告知卡 (risk notice card) as PDF, with the QR code of the check page."""

    model = RiskPoint

    def get(self, request, pk):
        point = get_object_or_404(
            RiskPoint.objects.restrict(request.user).select_related("enterprise", "responsible"),
            pk=pk,
        )
        url = request.build_absolute_uri(reverse("prevention:riskpoint_check", args=[point.pk]))
        data = render_pdf("prevention/pdf/risk_card.html", {"point": point, "qr": qr_data_uri(url)})
        return pdf_response(data, f"风险告知卡-{point.name}.pdf")


class RiskPointCheck(ScopedObjectMixin, View):
    """The phone page the QR code opens: a patrol checks each item; a failure opens a hazard."""

    model = RiskPoint
    action = Action.CHANGE
    template_name = "prevention/point_check.html"

    def get(self, request, pk):
        point = self.get_object()
        return render(request, self.template_name, {"point": point, "items": point.items})

    def post(self, request, pk):
        point = self.get_object()
        results = {}
        for i, item in enumerate(point.items):
            value = request.POST.get(f"item_{i}")
            if value in ("ok", "fail"):
                results[item] = (value == "ok", request.POST.get(f"note_{i}", ""))
        try:
            check = services.record_check(
                actor=request.user, point=point, results=results, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            return render(
                request,
                self.template_name,
                {"point": point, "items": point.items, "error": " ".join(exc.messages)},
            )
        if check.failed:
            messages.warning(
                request,
                _("%(n)s item(s) failed; a hidden hazard was opened for each.")
                % {"n": check.failed},
            )
        else:
            messages.success(request, _("Check recorded: all items passed."))
        return redirect("prevention:riskcheck_detail", check.pk)


class RiskCheckDetail(ScopedObjectMixin, View):
    model = RiskCheck

    def get(self, request, pk):
        check = get_object_or_404(
            RiskCheck.objects.restrict(request.user).select_related("point", "checked_by"), pk=pk
        )
        return render(request, "prevention/check_detail.html", {"check": check})


class SitePlanList(ObjectListView):
    model = SitePlan
    columns = [Column("title", link=True), "enterprise", "width", "height", "uploaded_at"]
    select_related = ["enterprise"]

    def get_queryset(self):
        return super().get_queryset().defer("image")


class SitePlanUpload(LoginRequiredMixin, View):
    model = SitePlan
    action = Action.CHANGE

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, SitePlan):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(
            request,
            "prevention/siteplan_form.html",
            {"form": forms.SitePlanForm(user=request.user)},
        )

    def post(self, request):
        form = forms.SitePlanForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                plan = services.site_plan_upload(
                    actor=request.user,
                    enterprise=form.cleaned_data["enterprise"],
                    title=form.cleaned_data["title"],
                    upload=form.cleaned_data["image"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Site plan uploaded; click the plan to place risk points.")
                )
                return redirect("prevention:siteplan_detail", plan.pk)
        return render(request, "prevention/siteplan_form.html", {"form": form})


class SitePlanDetail(ScopedObjectMixin, View):
    """四色分布图: the plan image under Leaflet (CRS.Simple) with its coloured points."""

    model = SitePlan

    def get(self, request, pk):
        plan = get_object_or_404(SitePlan.objects.restrict(request.user).defer("image"), pk=pk)
        points = RiskPoint.objects.restrict(request.user).filter(enterprise_id=plan.enterprise_id)
        placed = [
            {
                "id": p.pk,
                "name": p.name,
                "x": p.plan_x,
                "y": p.plan_y,
                "colour": p.colour,
                "level": p.get_level_display(),
                "url": reverse("prevention:riskpoint_detail", args=[p.pk]),
            }
            for p in points
            if p.site_plan_id == plan.pk and p.plan_x is not None
        ]
        may_place = (
            SitePlan.objects.restrict(request.user, Action.CHANGE).filter(pk=plan.pk).exists()
        )
        return render(
            request,
            "prevention/siteplan_detail.html",
            {
                "plan": plan,
                "points": points,
                "map": {
                    "image": reverse("prevention:siteplan_image", args=[plan.pk]),
                    "width": plan.width,
                    "height": plan.height,
                    "points": placed,
                    "place_url": reverse("prevention:siteplan_place", args=[plan.pk])
                    if may_place
                    else "",
                },
                "may_place": may_place,
                "counts": {
                    lvl: sum(1 for p in points if p.level == lvl) for lvl in RiskLevel.values
                },
            },
        )


class SitePlanImage(ScopedObjectMixin, View):
    model = SitePlan

    def get(self, request, pk):
        plan = self.get_object()
        response = HttpResponse(bytes(plan.image), content_type=plan.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class SitePlanPlace(ScopedObjectMixin, View):
    """POST point, x, y: place a risk point on the plan (the click on the map)."""

    model = SitePlan
    action = Action.CHANGE
    scoping = "post_only"
    http_method_names = ["post"]

    def post(self, request, pk):
        plan = self.get_object()
        point = get_object_or_404(
            RiskPoint.objects.restrict(request.user, Action.CHANGE),
            pk=_int(request.POST.get("point"), 0),
        )
        try:
            services.place_point(
                actor=request.user,
                point=point,
                plan=plan,
                x=float(request.POST.get("x", "-1")),
                y=float(request.POST.get("y", "-1")),
            )
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Placed: %(point)s") % {"point": point})
        return redirect("prevention:siteplan_detail", plan.pk)


class CountyMap(LoginRequiredMixin, View):
    """The county map of enterprises by the highest colour of their risk points."""

    def get(self, request):
        points = selectors.county_map_points(request.user)
        return render(request, "prevention/county_map.html", {"points": points})


# --- major hazard sources ---------------------------------------------------------------------


class SourceList(ObjectListView):
    model = MajorHazardSource
    columns = [
        Column("name", link=True),
        "enterprise",
        "unit_type",
        "s_value",
        "r_value",
        "is_major",
        "grade",
    ]
    search_fields = ["name", "enterprise__name"]
    select_related = ["enterprise"]


class SourceDetail(ObjectDetailView):
    model = MajorHazardSource
    template_name = "prevention/source_detail.html"
    fields = [
        "enterprise",
        "unit_type",
        "exposed_people",
        "s_value",
        "alpha",
        "r_value",
        "is_major",
        "grade",
        "assessment_error",
        "principal",
        "technical",
        "operational",
    ]
    related = [
        (
            gettext_lazy("Inventory"),
            lambda obj, user: Inventory.objects.restrict(user).filter(source=obj),
            [Column("substance"), "cas", "categories", "quantity_t"],
            "prevention:inventory",
        ),
        (
            gettext_lazy("Filings"),
            lambda obj, user: Filing.objects.restrict(user).filter(source=obj),
            [Column("filed_on"), "authority", "number", "valid_until"],
            "prevention:filing",
        ),
    ]


class SourceEdit(ObjectEditView):
    model = MajorHazardSource
    form_class = forms.MajorHazardSourceForm

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                obj = services.mhs_save(actor=request.user, source=form.instance, form=form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
                return redirect("prevention:majorhazardsource_detail", obj.pk)
        return self.render_form(form, instance)


class SourceDelete(ObjectDeleteView):
    model = MajorHazardSource


class InventoryList(ObjectListView):
    model = Inventory
    columns = [Column("substance", link=True), "source", "cas", "categories", "quantity_t"]
    select_related = ["source", "source__enterprise"]


class InventoryDetail(ObjectDetailView):
    model = Inventory


class InventoryEdit(ObjectEditView):
    model = Inventory
    form_class = forms.InventoryForm

    def get_form(self, data=None, instance=None):
        form = super().get_form(data=data, instance=instance)
        if data is None and self.request.GET.get("source", "").isdigit():
            form.initial["source"] = int(self.request.GET["source"])
        return form

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                line = services.inventory_save(actor=request.user, line=form.instance, form=form)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
            else:
                messages.success(request, _("Saved; S, R and the grade were recomputed."))
                return redirect("prevention:majorhazardsource_detail", line.source_id)
        return self.render_form(form, instance)


class InventoryDelete(ObjectDeleteView):
    model = Inventory

    def post(self, request, *args, **kwargs):
        line = self.get_object()
        services.inventory_delete(actor=request.user, line=line)
        messages.success(request, _("Deleted; S, R and the grade were recomputed."))
        return redirect("prevention:majorhazardsource_detail", line.source_id)


class FilingList(ObjectListView):
    model = Filing
    columns = [Column("filed_on", link=True), "source", "authority", "number", "valid_until"]
    select_related = ["source", "source__enterprise"]


class FilingDetail(ObjectDetailView):
    model = Filing


class FilingEdit(ObjectEditView):
    model = Filing
    form_class = forms.FilingForm


class FilingDelete(ObjectDeleteView):
    model = Filing


# --- public reports ---------------------------------------------------------------------------


class PublicReportForm(View):
    """The anonymous report form (举报), no account needed."""

    scoping = "public"
    template_name = "prevention/public_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": forms.PublicReportForm()})

    def post(self, request):
        form = forms.PublicReportForm(request.POST, request.FILES)
        if form.is_valid():
            if form.cleaned_data.get("website"):
                return redirect("prevention:public_thanks")
            d = form.cleaned_data
            try:
                services.public_report_submit(
                    township=d["township"],
                    industry=d["industry"],
                    enterprise=d["enterprise"],
                    place=d["place"],
                    description=d["description"],
                    contact=d["contact"],
                    photo=d["photo"],
                    ip=request.META.get("REMOTE_ADDR"),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return redirect("prevention:public_thanks")
        return render(request, self.template_name, {"form": form}, status=400)


class PublicThanks(View):
    scoping = "public"

    def get(self, request):
        return render(request, "prevention/public_thanks.html")


class PublicReportList(ObjectListView):
    model = PublicReport
    columns = [
        Column("place", link=True),
        "township",
        "enterprise",
        "routed_to",
        "state",
        "received_at",
    ]
    can_add = False
    select_related = ["township", "enterprise", "routed_to"]

    def get_queryset(self):
        return super().get_queryset().defer("photo")


class PublicReportDetail(ScopedObjectMixin, View):
    model = PublicReport

    def get(self, request, pk):
        report = self.get_object()
        may_handle = (
            report.state == PublicReportState.RECEIVED
            and PublicReport.objects.restrict(request.user, Action.CHANGE).filter(pk=pk).exists()
        )
        form = forms.HandleReportForm(
            user=request.user, initial={"enterprise": report.enterprise_id}
        )
        return render(
            request,
            "prevention/public_detail.html",
            {"report": report, "may_handle": may_handle, "form": form},
        )


class PublicReportHandle(ScopedObjectMixin, View):
    model = PublicReport
    action = Action.CHANGE
    scoping = "post_only"
    http_method_names = ["post"]

    def post(self, request, pk):
        report = self.get_object()
        form = forms.HandleReportForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.public_report_handle(
                    actor=request.user,
                    report=report,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                    enterprise=form.cleaned_data["enterprise"],
                    to=form.cleaned_data["to"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Report handled."))
                if form.cleaned_data["decision"] == "forward":
                    return redirect("prevention:publicreport_list")
        else:
            messages.error(request, _("Please correct the fields marked below."))
        return redirect("prevention:publicreport_detail", pk)


class PublicReportPhoto(ScopedObjectMixin, View):
    model = PublicReport

    def get(self, request, pk):
        report = self.get_object()
        if not report.photo:
            blank = (
                '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90">'
                '<rect width="160" height="90" fill="#f1f3f5"/></svg>'
            )
            return HttpResponse(blank, content_type="image/svg+xml")
        response = HttpResponse(bytes(report.photo), content_type=report.photo_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response


__all__ = ["Division", "OrgKind"]
