"""Pages of the monitoring app: county overview, enterprise live page, point history,
alarm board and alarm handling, registries of objects, gateways, points, rules, dead letters."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dixian.core import clock
from dixian.core.choices import Action, OrgKind
from dixian.core.filtersets import StyledFilterSet
from dixian.core.models import Organisation
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedModelForm,
    ScopedObjectMixin,
)

from . import selectors, services
from .models import (
    Alarm,
    AlarmKind,
    AlarmState,
    DeadLetter,
    Gateway,
    Level,
    MonitoredObject,
    ObjectKind,
    Point,
    PointKind,
    Rule,
)

# ---- overview and live ---------------------------------------------------------------


class Overview(ScopedObjectMixin, View):
    """County overview (全县监测总览): points online, alarms today by level, offline units."""

    model = Alarm

    def get(self, request):
        data = selectors.overview(request.user)
        return render(request, "monitoring/overview.html", {"data": data, "levels": Level})


class EnterpriseLive(ScopedObjectMixin, View):
    """An enterprise's live page: latest values, sparklines, states; refreshed every 2 s."""

    model = Organisation
    template_name = "monitoring/live.html"

    def get(self, request, pk):
        enterprise = self.get_object()
        ctx = {"enterprise": enterprise, **selectors.live(enterprise, request.user)}
        return render(request, self.template_name, ctx)


class EnterpriseLivePanel(EnterpriseLive):
    template_name = "monitoring/_live_panel.html"


class LiveIndex(ScopedObjectMixin, View):
    """Enterprises with monitoring in the user's scope; one of them goes straight to live."""

    model = MonitoredObject

    def get(self, request):
        enterprises = (
            Organisation.objects.restrict(request.user)
            .filter(kind=OrgKind.ENTERPRISE, monitored_objects__isnull=False)
            .distinct()
            .order_by("name")
        )
        return render(request, "monitoring/live_index.html", {"enterprises": enterprises})


# ---- points --------------------------------------------------------------------------


class PointFilterSet(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=PointKind.choices)
    object__kind = django_filters.ChoiceFilter(
        label=gettext_lazy("object kind"), choices=ObjectKind.choices
    )

    class Meta:
        model = Point
        fields = ["kind", "object__kind"]


class PointList(ObjectListView):
    model = Point
    columns = [
        Column("code", link=True),
        "name",
        "kind",
        "unit",
        "location",
        "object",
        "gateway",
        Column("latest.value", label=gettext_lazy("latest value"), sortable=False),
        Column("latest.ts", label=gettext_lazy("at"), sortable=False),
    ]
    filterset_class = PointFilterSet
    search_fields = ["code", "name", "object__name", "object__enterprise__name"]
    select_related = ["object", "gateway", "latest"]
    can_add = False


class PointDetail(ScopedObjectMixin, View):
    """Point history with zoom (ECharts dataZoom over the rollups) and its rules."""

    model = Point

    def get(self, request, pk):
        point = self.get_object()
        rules = point.rules.all()
        alarms = Alarm.objects.restrict(request.user).filter(point=point)[:20]
        return render(
            request,
            "monitoring/point.html",
            {
                "point": point,
                "rules": rules,
                "alarms": alarms,
                "latest": getattr(point, "latest", None),
                "can_change": Point.objects.restrict(request.user, Action.CHANGE)
                .filter(pk=point.pk)
                .exists(),
            },
        )


class PointSeries(ScopedObjectMixin, View):
    """JSON series for the history chart: ?hours=N or ?start=…&end=… (ISO 8601)."""

    model = Point

    def get(self, request, pk):
        point = self.get_object()
        end = clock.now()
        try:
            hours = float(request.GET.get("hours", "24"))
        except ValueError:
            hours = 24
        hours = min(max(hours, 0.1), 24 * 400)
        start = end - dt.timedelta(hours=hours)
        if request.GET.get("start") and request.GET.get("end"):
            s, e = parse_datetime(request.GET["start"]), parse_datetime(request.GET["end"])
            if s and e and s < e:
                start = s if timezone.is_aware(s) else timezone.make_aware(s)
                end = e if timezone.is_aware(e) else timezone.make_aware(e)
        return JsonResponse(selectors.series(point, start, end))


# ---- alarms --------------------------------------------------------------------------


class AlarmFilterSet(StyledFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("state"), choices=AlarmState.choices)
    level = django_filters.ChoiceFilter(label=gettext_lazy("level"), choices=Level.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=AlarmKind.choices)
    active = django_filters.BooleanFilter(label=gettext_lazy("not closed"), method="filter_active")

    class Meta:
        model = Alarm
        fields = ["state", "level", "kind"]

    def filter_active(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(state=AlarmState.CLOSED) if value else qs.filter(state=AlarmState.CLOSED)


class AlarmList(ObjectListView):
    """Alarm board (报警看板): live panel of open alarms on top, the full table below."""

    model = Alarm
    template_name = "monitoring/alarm_board.html"
    columns = [
        Column("message", link=True),
        "level",
        "state",
        "enterprise",
        "kind",
        "opened_at",
        "count",
        "peak_value",
        "escalation",
    ]
    filterset_class = AlarmFilterSet
    search_fields = ["message", "enterprise__name"]
    select_related = ["enterprise", "point"]
    can_add = False


class AlarmPanel(ScopedObjectMixin, View):
    """The open alarms, polled every 2 s by the board (htmx)."""

    model = Alarm

    def get(self, request):
        alarms = (
            Alarm.objects.restrict(request.user)
            .exclude(state=AlarmState.CLOSED)
            .select_related("enterprise", "point", "gateway")
            .order_by("-level", "-opened_at")[:50]
        )
        return render(request, "monitoring/_alarm_panel.html", {"alarms": alarms})


class FeedbackForm(forms.Form):
    cause = forms.CharField(
        label=gettext_lazy("cause"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    measures = forms.CharField(
        label=gettext_lazy("measures taken"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")
            f.error_messages["required"] = _("This field is required.")


class AlarmDetail(ScopedObjectMixin, View):
    model = Alarm

    def get(self, request, pk, form=None):
        alarm = self.get_object()
        from dixian.core.models import AuditEvent

        history = AuditEvent.objects.restrict(request.user).filter(
            object_type="monitoring.alarm", object_id=str(alarm.pk)
        )[:30]
        steps = services.allowed_steps(request.user, alarm)
        return render(
            request,
            "monitoring/alarm_detail.html",
            {
                "alarm": alarm,
                "steps": steps,
                "form": form or FeedbackForm(),
                "history": history,
                "hazard_available": services.open_hazard_available()
                and bool(steps or services.may_handle(request.user, alarm))
                and not alarm.hazard_ref,
            },
        )


class AlarmStep(ScopedObjectMixin, View):
    """POST one step of the alarm workflow (acknowledge, dispose, feedback, close, hazard)."""

    model = Alarm
    action = Action.CHANGE
    scoping = "post_only"
    http_method_names = ["post"]

    def post(self, request, pk):
        alarm = get_object_or_404(Alarm.objects.restrict(request.user), pk=pk)
        step = request.POST.get("step", "")
        try:
            if step == "hazard":
                services.open_hazard(actor=request.user, alarm=alarm)
                messages.success(request, _("A hidden hazard was opened from this alarm."))
                return redirect("monitoring:alarm_detail", alarm.pk)
            if step == "feedback":
                form = FeedbackForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("Please correct the fields marked below."))
                    view = AlarmDetail()
                    view.setup(request, pk=pk)
                    return view.get(request, pk, form=form)
                services.transition(actor=request.user, alarm=alarm, step=step, **form.cleaned_data)
            else:
                services.transition(
                    actor=request.user, alarm=alarm, step=step, note=request.POST.get("note", "")
                )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return redirect("monitoring:alarm_detail", alarm.pk)
        messages.success(request, _("Alarm %(state)s.") % {"state": alarm.get_state_display()})
        if request.POST.get("next") == "board":
            return redirect("monitoring:alarm_list")
        return redirect("monitoring:alarm_detail", alarm.pk)


# ---- registries ----------------------------------------------------------------------


class ObjectFilterSet(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=ObjectKind.choices)

    class Meta:
        model = MonitoredObject
        fields = ["kind"]


class MonitoredObjectForm(ScopedModelForm):
    class Meta:
        model = MonitoredObject
        fields = ["enterprise", "name", "kind", "location", "latitude", "longitude", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = self.fields["enterprise"].queryset.filter(
            kind=OrgKind.ENTERPRISE
        )


class ObjectList(ObjectListView):
    model = MonitoredObject
    columns = [Column("name", link=True), "kind", "enterprise", "location"]
    filterset_class = ObjectFilterSet
    search_fields = ["name", "enterprise__name", "location"]
    select_related = ["enterprise"]


class ObjectDetail(ObjectDetailView):
    model = MonitoredObject
    related = [
        (
            gettext_lazy("measuring points"),
            lambda obj, user: Point.objects.restrict(user).filter(object=obj),
            ["code", "name", "kind", "unit", "location", "item"],
            "monitoring:point",
        )
    ]


class ObjectEdit(ObjectEditView):
    model = MonitoredObject
    form_class = MonitoredObjectForm


class ObjectDelete(ObjectDeleteView):
    model = MonitoredObject


class GatewayList(ObjectListView):
    model = Gateway
    columns = [
        Column("code", link=True),
        "name",
        "enterprise",
        "link_state",
        "last_seen_at",
        "interval_s",
    ]
    search_fields = ["code", "name", "enterprise__name"]
    select_related = ["enterprise"]
    can_add = False


class GatewayDetail(ObjectDetailView):
    model = Gateway
    editable = False
    fields = [
        "code",
        "name",
        "enterprise",
        "link_state",
        "last_seen_at",
        "silence_due_at",
        "interval_s",
        "silence_factor",
    ]
    related = [
        (
            gettext_lazy("measuring points"),
            lambda obj, user: Point.objects.restrict(user).filter(gateway=obj),
            ["code", "name", "kind", "unit"],
            "monitoring:point",
        )
    ]


class GatewayToken(ScopedObjectMixin, View):
    """POST: issue a new token for the gateway (shown once)."""

    model = Gateway
    action = Action.CHANGE
    scoping = "post_only"
    http_method_names = ["post"]

    def post(self, request, pk):
        gw = self.get_object(Action.CHANGE)
        token = services.gateway_rotate_token(actor=request.user, gateway=gw)
        return render(request, "monitoring/token.html", {"gateway": gw, "token": token})


class RuleForm(ScopedModelForm):
    class Meta:
        model = Rule
        fields = [
            "direction",
            "blue",
            "yellow",
            "orange",
            "red",
            "rate_per_min",
            "stuck_minutes",
            "level",
            "source",
            "enabled",
        ]

    def clean(self):
        data = super().clean()
        limits = [data.get(n) for n in ("blue", "yellow", "orange", "red")]
        given = [v for v in limits if v is not None]
        ordered = sorted(given) if data.get("direction") == "above" else sorted(given, reverse=True)
        if given != ordered:
            raise ValidationError(
                _("Levels must get stricter from blue to red (in the rule's direction).")
            )
        return data


class RuleList(ObjectListView):
    model = Rule
    columns = [
        Column("point", link=True),
        "kind",
        "direction",
        "blue",
        "yellow",
        "orange",
        "red",
        "rate_per_min",
        "stuck_minutes",
        "enabled",
    ]
    search_fields = ["point__code", "point__name"]
    select_related = ["point"]
    can_add = False


class RuleDetail(ObjectDetailView):
    model = Rule
    editable = False  # edited from the point page (rules are not added or deleted by hand)


class RuleEdit(ObjectEditView):
    model = Rule
    form_class = RuleForm

    def get_instance(self):
        if "pk" not in self.kwargs:
            raise Http404
        return super().get_instance()

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            try:
                rule = services.rule_save(actor=request.user, rule=form.instance, form=form)
            except PermissionDenied:
                raise Http404 from None
            messages.success(request, _("Saved: %(obj)s") % {"obj": rule})
            return redirect("monitoring:rule_detail", rule.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


class DeadLetterList(ObjectListView):
    model = DeadLetter
    columns = [Column("received_at", link=True), "source", "topic", "gateway", "reason"]
    search_fields = ["reason", "topic"]
    select_related = ["gateway"]
    can_add = False


class DeadLetterDetail(ObjectDetailView):
    model = DeadLetter
    editable = False
    fields = ["received_at", "source", "topic", "gateway", "enterprise", "reason"]

    def detail_fields(self, obj):
        raw = bytes(obj.raw)
        return super().detail_fields(obj) + [
            {"label": _("raw bytes"), "value": raw[:4000].decode("utf-8", "replace")}
        ]
