from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "emergency"


def reg(prefix, views):
    return registry_urls(prefix, views[0].model._meta.model_name, *views)


urlpatterns = [
    *reg("plans", v.PLAN),
    path("plans/<int:pk>/act/", v.PlanAct.as_view(), name="plan_act"),
    path(
        "plan-versions/<int:pk>/download/",
        v.PlanVersionDownload.as_view(),
        name="planversion_download",
    ),
    *reg("plan-rules", v.RULES),
    *reg("drills", v.DRILL),
    path("drills/<int:pk>/act/", v.DrillAct.as_view(), name="drill_act"),
    *reg("drill-rules", v.DRILLRULE),
    path("compliance/", v.Compliance.as_view(), name="compliance"),
    path("compliance/remind/", v.ComplianceRemind.as_view(), name="compliance_remind"),
    *reg("teams", v.TEAM),
    *reg("team-members", v.MEMBER),
    *reg("team-equipment", v.EQUIPMENT),
    *reg("warehouses", v.WAREHOUSE),
    *reg("reserve-items", v.ITEM),
    path("reserve-items/<int:pk>/move/", v.StockMove.as_view(), name="reserveitem_move"),
    *reg("experts", v.EXPERT),
    path("map/", v.ResourceMap.as_view(), name="map"),
    path("nearest/", v.Nearest.as_view(), name="nearest"),
    path("duty/", v.DutyBoard.as_view(), name="duty"),
    *reg("duty/shifts", v.SHIFT),
    *reg("duty/handovers", v.HANDOVER),
    *reg("duty/calls", v.CALL),
]

ADMINS = {Role.SAFETY_OFFICE, Role.ADMIN}
for i, (label, name, icon, roles) in enumerate(
    [
        (_("Duty"), "emergency:duty", "phone-call", None),
        (_("Incoming calls"), "emergency:dutycall_list", "phone-incoming", None),
        (_("Emergency plans"), "emergency:plan_list", "file-certificate", None),
        (_("Drills"), "emergency:drill_list", "run", None),
        (_("Drill compliance"), "emergency:compliance", "calendar-due", None),
        (_("Resources map"), "emergency:map", "map-pin", None),
        (_("Rescue teams"), "emergency:rescueteam_list", "users-group", None),
        (_("Material reserves"), "emergency:warehouse_list", "building-warehouse", None),
        (_("Experts"), "emergency:expert_list", "school", None),
        (_("Drill rules"), "emergency:drillrule_list", "settings", ADMINS),
        (_("Plan evaluation rules"), "emergency:planrule_list", "settings", ADMINS),
    ]
):
    navigation.register(NavItem("emergency", label, name, icon, roles=roles, order=20 + i))
