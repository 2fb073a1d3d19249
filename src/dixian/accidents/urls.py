from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "accidents"

urlpatterns = [
    path("", v.AccidentBoard.as_view(), name="board"),
    path("reports/", v.AccidentList.as_view(), name="accident_list"),
    path("report/", v.AccidentReport.as_view(), name="accident_add"),
    path("<int:pk>/", v.AccidentDetail.as_view(), name="accident_detail"),
    path("<int:pk>/act/", v.AccidentAct.as_view(), name="accident_act"),
    path("<int:pk>/supplement/", v.SupplementAdd.as_view(), name="accident_supplement"),
    path(
        "supplements/<int:pk>/",
        v.SupplementDetail.as_view(),
        name="supplementaryreport_detail",
    ),
    path("investigations/", v.InvestigationList.as_view(), name="investigation_list"),
    path(
        "investigations/<int:pk>/",
        v.InvestigationDetail.as_view(),
        name="investigation_detail",
    ),
    path("investigations/<int:pk>/act/", v.InvestigationAct.as_view(), name="investigation_act"),
    *registry_urls(
        "decisions",
        "accountabilitydecision",
        v.DecisionList,
        v.DecisionDetail,
        v.DecisionEdit,
        v.DecisionDelete,
    ),
    *registry_urls(
        "dishonesty",
        "dishonestylisting",
        v.ListingList,
        v.ListingDetail,
        v.ListingEdit,
        v.ListingDelete,
    ),
    path("dishonesty/<int:pk>/remove/", v.ListingRemove.as_view(), name="dishonestylisting_remove"),
    *registry_urls(
        "bulletins", "bulletin", v.BulletinList, v.BulletinDetail, v.BulletinEdit, v.BulletinDelete
    ),
    path("bulletins/<int:pk>/act/", v.BulletinAct.as_view(), name="bulletin_act"),
]

navigation.register(
    NavItem("emergency", _("Accident reporting"), "accidents:board", "alert-octagon", order=0)
)
navigation.register(
    NavItem("emergency", _("Accident reports"), "accidents:accident_list", "list", order=1)
)
for i, (label, name, icon) in enumerate(
    [
        (_("Investigations"), "accidents:investigation_list", "search"),
        (_("Accountability"), "accidents:accountabilitydecision_list", "gavel"),
        (_("Serious-dishonesty list"), "accidents:dishonestylisting_list", "ban"),
        (_("Accident bulletins"), "accidents:bulletin_list", "speakerphone"),
    ]
):
    navigation.register(NavItem("assessment", label, name, icon, order=10 + i))
