"""Pages of the enterprises app: registry, map, grades, licences, Excel import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from dixian.core import clock
from dixian.core.choices import Action
from dixian.core.scoping import is_county_wide
from dixian.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedObjectMixin,
)

from . import details as details_mod
from . import forms as f
from . import grading, imports, services
from .filtersets import EnterpriseFilterSet, LicenceFilterSet
from .models import (
    EnterpriseProfile,
    GradeLevel,
    GradeRule,
    Licence,
    LicenceStatus,
    LicenceType,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Map colours per top-level industry (the legend shows the ones present).
INDUSTRY_COLOURS = {
    "mining": "#7b4f2c",
    "hazchem": "#d63939",
    "fireworks": "#f76707",
    "industry_trade": "#4263eb",
    "construction": "#f59f00",
    "transport": "#0ca678",
    "gas": "#ae3ec9",
    "culture_tourism": "#17a2b8",
}
OTHER_COLOUR = "#868e96"


def _top_industry(ind):
    while ind.parent_id is not None:
        ind = ind.parent
    return ind


class EnterpriseList(ObjectListView):
    model = EnterpriseProfile
    template_name = "enterprises/list.html"
    columns = [
        Column("org.name", gettext_lazy("name"), link=True),
        Column("org.division", gettext_lazy("township")),
        Column("org.industries", gettext_lazy("industries"), sortable=False),
        "status",
        Column("grade.code", gettext_lazy("grade")),
        "risk_score",
        "scale",
        "staff_count",
        Column("org.credit_code", gettext_lazy("unified social credit code")),
    ]
    filterset_class = EnterpriseFilterSet
    search_fields = ["org__name", "org__short_name", "org__credit_code", "principal",
                     "legal_representative"]  # fmt: skip

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("org", "org__division", "grade")
            .prefetch_related("org__industries")
        )


class EnterpriseDetail(ObjectDetailView):
    model = EnterpriseProfile
    template_name = "enterprises/detail.html"
    fields = [
        Column("org.name", gettext_lazy("name")),
        Column("org.credit_code", gettext_lazy("unified social credit code")),
        Column("org.division", gettext_lazy("township")),
        Column("org.industries", gettext_lazy("industries")),
        Column("org.address", gettext_lazy("address")),
        Column("org.phone", gettext_lazy("phone")),
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

    def detail_fields(self, obj):
        from dixian.core.views.generic import _columns

        return [
            {"label": c.header(self.model), "value": c.value(obj)} for c in _columns(self.fields)
        ]

    def get_object(self, action=None):
        return get_object_or_404(
            self.base_queryset(action).select_related("org", "org__division", "grade"),
            pk=self.kwargs["pk"],
        )

    def extra_context(self, obj):
        user = self.request.user
        licences = Licence.objects.restrict(user).filter(enterprise=obj.org).select_related("type")
        today = timezone.localtime(clock.now()).date()
        breakdown = [
            {"label": grading.factor_label(p["factor"]), "points": p["points"], "note": p["note"]}
            for p in obj.score_breakdown or []
        ]
        return {
            "sections": details_mod.display(obj.details),
            "must_close": details_mod.tailings_must_close(obj.details, today),
            "licences": licences,
            "today": today,
            "breakdown": breakdown,
            "may_grade": services.may_grade(user, obj),
            "interval": grading.inspection_interval_days(obj),
            "may_add_licence": Licence.scope_may_create(user),
        }


class EnterpriseEdit(ScopedObjectMixin, View):
    """Create or edit an enterprise: organisation, profile and industry sections at once."""

    model = EnterpriseProfile
    action = Action.CHANGE
    template_name = "enterprises/edit.html"

    def get_instance(self):
        if "pk" in self.kwargs:
            return self.get_object(Action.CHANGE)
        if not self.may_create():
            raise Http404
        return EnterpriseProfile()

    def render_form(self, form, sections, instance):
        return render(
            self.request,
            self.template_name,
            {
                **self.common_context(),
                "form": form,
                "sections": sections,
                "object": instance,
                "creating": instance.pk is None,
            },
        )

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = f.EnterpriseForm(instance=instance, user=request.user)
        industries = list(instance.org.industries.all()) if instance.pk else []
        sections = f.section_forms(details=instance.details, industries=industries)
        return self.render_form(form, sections, instance)

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = f.EnterpriseForm(data=request.POST, instance=instance, user=request.user)
        valid = form.is_valid()
        industries = form.cleaned_data.get("industries") or []
        sections = f.section_forms(
            data=request.POST, details=instance.details, industries=industries
        )
        details = {}
        for section in sections:
            if section.applies:
                if section.is_valid():
                    details[section.key] = section.stored()
                else:
                    valid = False
        if valid:
            try:
                profile = services.enterprise_save(
                    actor=request.user,
                    profile=instance if instance.pk else None,
                    org_data=form.org_data(),
                    industries=form.cleaned_data["industries"],
                    profile_data=form.profile_data(),
                    details=details,
                )
            except PermissionDenied:
                form.add_error(
                    None,
                    _(
                        "You cannot register this enterprise: its township or industries are "
                        "outside your jurisdiction."
                    ),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": profile})
                return redirect("enterprises:enterpriseprofile_detail", profile.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, sections, instance)


class EnterpriseGrade(ScopedObjectMixin, View):
    """Set the supervision grade by hand, with a reason (audited), or go back to the
    computed grade."""

    model = EnterpriseProfile
    action = "grade"
    template_name = "enterprises/grade.html"

    def render_form(self, form, obj):
        breakdown = [
            {"label": grading.factor_label(p["factor"]), "points": p["points"], "note": p["note"]}
            for p in obj.score_breakdown or []
        ]
        return render(
            self.request,
            self.template_name,
            {**self.common_context(), "form": form, "object": obj, "breakdown": breakdown},
        )

    def get(self, request, pk):
        obj = self.get_object()
        form = f.GradeOverrideForm(
            initial={"grade": obj.override_grade, "reason": obj.override_reason}
        )
        return self.render_form(form, obj)

    def post(self, request, pk):
        obj = self.get_object()
        form = f.GradeOverrideForm(data=request.POST)
        if form.is_valid():
            try:
                services.grade_override(
                    actor=request.user,
                    profile=obj,
                    grade=form.cleaned_data["grade"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error("reason", exc.message_dict.get("reason"))
            else:
                messages.success(request, _("Supervision grade saved."))
                return redirect("enterprises:enterpriseprofile_detail", obj.pk)
        return self.render_form(form, obj)


class Regrade(LoginRequiredMixin, View):
    """Recompute every grade (安委办/admin), e.g. after the scale or rules changed."""

    scoping = "post_only"

    def post(self, request):
        if not is_county_wide(request.user, Action.CHANGE):
            raise Http404
        changed = services.regrade(actor=request.user)
        messages.success(request, _("Grades recomputed; %(n)s changed.") % {"n": changed})
        return redirect("enterprises:enterpriseprofile_list")


class EnterpriseMap(LoginRequiredMixin, View):
    """Enterprises on the county map, coloured by industry or by supervision grade."""

    def get(self, request):
        colour_by = "grade" if request.GET.get("colour") == "grade" else "industry"
        qs = (
            EnterpriseProfile.objects.restrict(request.user)
            .select_related("org", "org__division", "grade")
            .prefetch_related("org__industries__parent__parent")
        )
        township = request.GET.get("township", "")
        townships = list(f.townships())
        chosen = next((t for t in townships if str(t.pk) == township), None)
        if chosen:
            qs = qs.filter(org__division__path__startswith=chosen.path)
        points, legend = [], {}
        by_township: dict[str, int] = {}
        for p in qs:
            org = p.org
            name_t = org.division.name if org.division_id else _("Unknown")
            by_township[name_t] = by_township.get(name_t, 0) + 1
            inds = list(org.industries.all())
            if colour_by == "grade":
                key = p.grade.code if p.grade else "—"
                label = p.grade.name if p.grade else _("Not graded")
                colour = p.grade.colour if p.grade else OTHER_COLOUR
            else:
                top = _top_industry(inds[0]) if inds else None
                key = top.code if top else "—"
                label = top.name if top else _("No industry")
                colour = INDUSTRY_COLOURS.get(key, OTHER_COLOUR)
            legend.setdefault(key, {"label": label, "colour": colour, "count": 0})
            legend[key]["count"] += 1
            if org.latitude is None or org.longitude is None:
                continue
            points.append(
                {
                    "lat": float(org.latitude),
                    "lng": float(org.longitude),
                    "name": org.name,
                    "url": reverse("enterprises:enterpriseprofile_detail", args=[p.pk]),
                    "colour": colour,
                    "label": label,
                    "industry": "、".join(i.name for i in inds),
                    "grade": p.grade.code if p.grade else "",
                }
            )
        chart = sorted(by_township.items(), key=lambda kv: -kv[1])
        return render(
            request,
            "enterprises/map.html",
            {
                "points": points,
                "legend": [
                    legend[k]
                    for k in sorted(
                        legend, key=lambda k: (colour_by != "grade" and -legend[k]["count"], k)
                    )
                ],
                "colour_by": colour_by,
                "townships": townships,
                "chosen": chosen,
                "total": sum(v["count"] for v in legend.values()),
                "chart_township": {
                    "labels": [k for k, _v in chart],
                    "values": [v for _k, v in chart],
                },
            },
        )


# Licences ----------------------------------------------------------------------------------


class LicenceList(ObjectListView):
    model = Licence
    template_name = "enterprises/licence_list.html"
    columns = [
        Column("enterprise", link=True),
        "type",
        "number",
        "issuer",
        "valid_to",
        "status",
    ]
    filterset_class = LicenceFilterSet
    search_fields = ["number", "enterprise__name", "issuer", "scope"]
    select_related = ["enterprise", "type"]


class LicenceDetail(ObjectDetailView):
    model = Licence
    template_name = "enterprises/licence_detail.html"
    fields = [
        "enterprise",
        "type",
        "number",
        "issuer",
        "scope",
        "valid_from",
        "valid_to",
        "status",
        "recorded_by_org",
        "next_reminder_at",
        "created_at",
    ]

    def extra_context(self, obj):
        return {
            "departments": services.supervising_departments(obj.enterprise),
            "days_left": obj.days_left,
        }


class LicenceEdit(ObjectEditView):
    model = Licence
    form_class = f.LicenceForm

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(data=request.POST, instance=instance)
        if form.is_valid():
            data = {n: form.cleaned_data[n] for n in form.Meta.fields}
            try:
                obj = services.licence_save(actor=request.user, licence=form.instance, data=data)
            except PermissionDenied:
                form.add_error(None, _("You cannot save this outside your own scope."))
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
                return redirect("enterprises:licence_detail", obj.pk)
        messages.error(request, _("Please correct the fields marked below."))
        return self.render_form(form, instance)


class LicenceDelete(ObjectDeleteView):
    model = Licence


# Configuration: grade scale, rules, licence types (安委办 / admin edit; everyone reads) ------


class GradeLevelList(ObjectListView):
    model = GradeLevel
    columns = [Column("code", link=True), "name", "min_score", "inspection_interval_days",
               "description"]  # fmt: skip


class GradeLevelDetail(ObjectDetailView):
    model = GradeLevel


class GradeLevelEdit(ObjectEditView):
    model = GradeLevel
    form_class = f.GradeLevelForm


class GradeLevelDelete(ObjectDeleteView):
    model = GradeLevel


class GradeRuleList(ObjectListView):
    model = GradeRule
    columns = [Column("factor", link=True), "points", "max_points", "threshold", "active"]


class GradeRuleDetail(ObjectDetailView):
    model = GradeRule


class GradeRuleEdit(ObjectEditView):
    model = GradeRule
    form_class = f.GradeRuleForm


class GradeRuleDelete(ObjectDeleteView):
    model = GradeRule


class LicenceTypeList(ObjectListView):
    model = LicenceType
    columns = [Column("name", link=True), "code", "issuers", "validity_years"]


class LicenceTypeDetail(ObjectDetailView):
    model = LicenceType


class LicenceTypeEdit(ObjectEditView):
    model = LicenceType
    form_class = f.LicenceTypeForm


class LicenceTypeDelete(ObjectDeleteView):
    model = LicenceType


# Import ------------------------------------------------------------------------------------


class ImportPage(LoginRequiredMixin, View):
    """Upload page: the template, the upload form (for those who may import) and, after a
    refused file, the table of every bad row."""

    kind = "enterprises"
    template_name = "enterprises/import.html"

    def allowed(self, user) -> bool:
        if self.kind == "enterprises":
            return services.may_import_enterprises(user)
        return Licence.scope_may_create(user)

    def page(self, request, form, errors=None, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "errors": errors,
                "kind": self.kind,
                "allowed": self.allowed(request.user),
                "template_url": reverse(f"enterprises:{self.kind}_import_template"),
                "columns": imports.ENTERPRISE_COLUMNS
                if self.kind == "enterprises"
                else imports.LICENCE_COLUMNS,
            },
            status=status,
        )

    def get(self, request):
        return self.page(request, f.ImportForm())

    def post(self, request):
        if not self.allowed(request.user):
            raise Http404
        form = f.ImportForm(data=request.POST, files=request.FILES)
        if not form.is_valid():
            return self.page(request, form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        run = imports.import_enterprises if self.kind == "enterprises" else imports.import_licences
        try:
            result = run(actor=request.user, data=data, filename=upload.name)
        except imports.ImportFailed as exc:
            messages.error(
                request,
                _(
                    "Nothing was imported: %(n)s problems were found. Correct them and upload the "
                    "file again."
                )
                % {"n": len(exc.errors)},  # fmt: skip
            )
            return self.page(request, form, errors=exc.errors)
        messages.success(request, _("Imported %(n)s rows.") % {"n": result["created"]})
        target = "enterpriseprofile_list" if self.kind == "enterprises" else "licence_list"
        return redirect(f"enterprises:{target}")


class LicenceImportPage(ImportPage):
    kind = "licences"


class ImportTemplate(LoginRequiredMixin, View):
    kind = "enterprises"

    def get(self, request):
        if self.kind == "enterprises":
            data = imports.template_xlsx(imports.ENTERPRISE_COLUMNS, _("Enterprises"))
        else:
            data = imports.template_xlsx(imports.LICENCE_COLUMNS, _("Licences"))
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{self.kind}-template.xlsx"'
        return response


class LicenceImportTemplate(ImportTemplate):
    kind = "licences"


def expired_count(user) -> int:
    today = timezone.localtime(clock.now()).date()
    return (
        Licence.objects.restrict(user)
        .filter(status__in=[LicenceStatus.VALID, LicenceStatus.EXPIRED], valid_to__lt=today)
        .count()
    )
