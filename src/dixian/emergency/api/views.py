"""Emergency API: plans, drills, rules, teams, reserves, experts and duty (read, scoped)."""

from rest_framework import serializers, viewsets

from dixian.core.api.views import ScopedViewSetMixin

from .. import models as m


def _ro(model, fields, doc, prefix):
    meta = type("Meta", (), {"model": model, "fields": ["id", *fields]})
    serializer = type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})
    viewset = type(
        f"{model.__name__}ViewSet",
        (ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet),
        {"queryset": model.objects.all(), "serializer_class": serializer, "__doc__": doc},
    )
    return prefix, viewset


VIEWSETS = [
    _ro(m.Plan, ["owner", "title", "number", "level", "kind", "hazards", "published_on",
                 "in_force", "evaluated_on", "evaluation_due_at", "evaluation_state"],
        "Emergency plans (应急预案) with their evaluation clock.", "emergency-plans"),
    _ro(m.PlanVersion, ["plan", "version", "sha256", "size", "note", "uploaded_at"],
        "Versions of plan documents.", "plan-versions"),
    _ro(m.PlanRecord, ["plan", "kind", "on", "authority", "reference", "result"],
        "Plan reviews, filings, evaluations and revisions.", "plan-records"),
    _ro(m.PlanRule, ["level", "kind", "evaluation_months", "basis"],
        "Plan evaluation cycles per level and kind.", "plan-rules"),
    _ro(m.Drill, ["organiser", "plan", "title", "held_on", "scope", "form", "location",
                  "participants", "participant_orgs", "evaluation"],
        "Emergency drills (应急演练).", "drills"),
    _ro(m.DrillAction, ["drill", "text", "owner", "due_on", "state", "closed_on",
                        "closing_note"],
        "Improvement actions from drills.", "drill-actions"),
    _ro(m.DrillRule, ["name", "subject", "scope", "period_months", "calendar_year", "basis",
                      "active"],
        "Drill frequency rules.", "drill-rules"),
    _ro(m.RescueTeam, ["org", "name", "kind", "specialties", "leader", "phone", "latitude",
                       "longitude"],
        "Rescue teams (救援队伍).", "rescue-teams"),
    _ro(m.TeamMember, ["team", "name", "role", "phone", "skills"], "Rescue team members.",
        "team-members"),
    _ro(m.TeamEquipment, ["team", "name", "quantity", "unit"], "Rescue team equipment.",
        "team-equipment"),
    _ro(m.Warehouse, ["org", "name", "address", "keeper", "phone", "latitude", "longitude"],
        "Material reserve warehouses.", "warehouses"),
    _ro(m.ReserveItem, ["warehouse", "name", "category", "unit", "quantity", "expires_on"],
        "Reserve items and their stock.", "reserve-items"),
    _ro(m.StockMovement, ["item", "at", "delta", "reason"], "Stock movements.",
        "stock-movements"),
    _ro(m.Expert, ["org", "name", "specialty", "employer", "phone", "latitude", "longitude"],
        "Experts (专家库).", "experts"),
    _ro(m.DutyShift, ["org", "starts_at", "ends_at", "leader", "officers", "phone"],
        "Duty roster shifts (值班表).", "duty-shifts"),
    _ro(m.Handover, ["shift", "at", "handed_by", "taken_by", "open_matters"],
        "Duty handovers.", "duty-handovers"),
    _ro(m.DutyCall, ["org", "at", "caller", "phone", "category", "summary", "action_taken",
                     "accident"],
        "Incoming calls and reports on duty.", "duty-calls"),
]  # fmt: skip
