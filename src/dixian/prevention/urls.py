from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import EDITING_ROLES, Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v
from .services import TRANSITIONS

app_name = "prevention"

urlpatterns = [
    path("board/", v.Board.as_view(), name="board"),
    path("stats/", v.Stats.as_view(), name="stats"),
    path("monthly/", v.MonthlyReport.as_view(), name="monthly"),
    path("criteria/", v.CriteriaCatalogues.as_view(), name="criteria"),
    path("hazards/", v.HazardList.as_view(), name="hazard_list"),
    path("hazards/add/", v.HazardReport.as_view(), name="hazard_add"),
    path("hazards/<int:pk>/", v.HazardDetail.as_view(), name="hazard_detail"),
    *[
        path(f"hazards/<int:pk>/{name}/", v.transition_view(name), name=f"hazard_{name}")
        for name in TRANSITIONS
    ],
    path("photos/<int:pk>/", v.HazardPhotoView.as_view(), name="hazardphoto_detail"),
    path("notices/<int:pk>/pdf/", v.NoticePdf.as_view(), name="supervisionnotice_pdf"),
    path("workforce-notices/", v.WorkforceNoticeList.as_view(), name="workforcenotice_list"),
    path(
        "workforce-notices/<int:pk>/",
        v.WorkforceNoticeDetail.as_view(),
        name="workforcenotice_detail",
    ),
    *registry_urls(
        "points",
        "riskpoint",
        v.RiskPointList,
        v.RiskPointDetail,
        v.RiskPointEdit,
        v.RiskPointDelete,
    ),
    path("points/<int:pk>/qr.svg", v.RiskPointQr.as_view(), name="riskpoint_qr"),
    path("points/<int:pk>/card.pdf", v.RiskPointCard.as_view(), name="riskpoint_card"),
    path("points/<int:pk>/check/", v.RiskPointCheck.as_view(), name="riskpoint_check"),
    path("checks/<int:pk>/", v.RiskCheckDetail.as_view(), name="riskcheck_detail"),
    path("site-plans/", v.SitePlanList.as_view(), name="siteplan_list"),
    path("site-plans/add/", v.SitePlanUpload.as_view(), name="siteplan_add"),
    path("site-plans/<int:pk>/", v.SitePlanDetail.as_view(), name="siteplan_detail"),
    path("site-plans/<int:pk>/image/", v.SitePlanImage.as_view(), name="siteplan_image"),
    path("site-plans/<int:pk>/place/", v.SitePlanPlace.as_view(), name="siteplan_place"),
    path("map/", v.CountyMap.as_view(), name="county_map"),
    *registry_urls(
        "sources",
        "majorhazardsource",
        v.SourceList,
        v.SourceDetail,
        v.SourceEdit,
        v.SourceDelete,
    ),
    *registry_urls(
        "inventory",
        "inventory",
        v.InventoryList,
        v.InventoryDetail,
        v.InventoryEdit,
        v.InventoryDelete,
    ),
    *registry_urls("filings", "filing", v.FilingList, v.FilingDetail, v.FilingEdit, v.FilingDelete),
    path("report/", v.PublicReportForm.as_view(), name="public_report"),
    path("report/thanks/", v.PublicThanks.as_view(), name="public_thanks"),
    path("public-reports/", v.PublicReportList.as_view(), name="publicreport_list"),
    path("public-reports/<int:pk>/", v.PublicReportDetail.as_view(), name="publicreport_detail"),
    path(
        "public-reports/<int:pk>/handle/",
        v.PublicReportHandle.as_view(),
        name="publicreport_handle",
    ),
    path(
        "public-reports/<int:pk>/photo/", v.PublicReportPhoto.as_view(), name="publicreport_photo"
    ),
]

for i, (label, url_name, icon) in enumerate(
    [
        (_("Hazards to zero (board)"), "prevention:board", "chart-dots-3"),
        (_("Hidden hazards"), "prevention:hazard_list", "alert-triangle"),
        (_("Report a hazard"), "prevention:hazard_add", "plus"),
        (_("Risk points"), "prevention:riskpoint_list", "target"),
        (_("Four-colour site plans"), "prevention:siteplan_list", "map-2"),
        (_("County risk map"), "prevention:county_map", "map-pin"),
        (_("Major hazard sources"), "prevention:majorhazardsource_list", "flask"),
        (_("Public reports"), "prevention:publicreport_list", "speakerphone"),
        (_("Workforce notices"), "prevention:workforcenotice_list", "clipboard-text"),
        (_("Hazard statistics"), "prevention:stats", "chart-bar"),
        (_("Monthly hazard report"), "prevention:monthly", "file-text"),
    ]
):
    roles = EDITING_ROLES - {Role.DUTY_OFFICER} if url_name == "prevention:hazard_add" else None
    navigation.register(NavItem("risks", label, url_name, icon, roles=roles, order=10 + i))
