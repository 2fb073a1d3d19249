from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import navigation
from .choices import Role
from .navigation import NavItem
from .views import pages
from .views import registry as r
from .views.generic import registry_urls

app_name = "core"

urlpatterns = [
    *registry_urls(
        "org/organisations",
        "organisation",
        r.OrganisationList,
        r.OrganisationDetail,
        r.OrganisationEdit,
        r.OrganisationDelete,
    ),
    *registry_urls(
        "org/people", "person", r.PersonList, r.PersonDetail, r.PersonEdit, r.PersonDelete
    ),
    *registry_urls(
        "org/positions",
        "position",
        r.PositionList,
        r.PositionDetail,
        r.PositionEdit,
        r.PositionDelete,
    ),
    *registry_urls(
        "org/jurisdictions",
        "jurisdiction",
        r.JurisdictionList,
        r.JurisdictionDetail,
        r.JurisdictionEdit,
        r.JurisdictionDelete,
    ),
    *registry_urls(
        "org/divisions",
        "division",
        r.DivisionList,
        r.DivisionDetail,
        r.DivisionEdit,
        r.DivisionDelete,
    ),
    *registry_urls(
        "org/industries",
        "industry",
        r.IndustryList,
        r.IndustryDetail,
        r.IndustryEdit,
        r.IndustryDelete,
    ),
    *registry_urls(
        "system/channels",
        "channelendpoint",
        r.ChannelEndpointList,
        r.ChannelEndpointDetail,
        r.ChannelEndpointEdit,
        r.ChannelEndpointDelete,
    ),
    *registry_urls("system/users", "user", r.UserList, r.UserDetail, r.UserEdit, r.UserDelete),
    path("org/tree/", r.OrganisationTree.as_view(), name="organisation_tree"),
    path("system/outbox/", r.OutboxList.as_view(), name="message_list"),
    path("system/outbox/<int:pk>/", r.OutboxDetail.as_view(), name="message_detail"),
    path("audit/", pages.AuditList.as_view(), name="auditevent_list"),
    path("audit/<int:pk>/", pages.AuditDetail.as_view(), name="auditevent_detail"),
]

for order, (label, name, icon) in enumerate(
    [
        (_("Organisations"), "core:organisation_list", "building"),
        (_("People"), "core:person_list", "users"),
        (_("Positions"), "core:position_list", "id-badge-2"),
        (_("Jurisdictions"), "core:jurisdiction_list", "map-pin-cog"),
        (_("Administrative divisions"), "core:division_list", "map-2"),
        (_("Industry catalogue"), "core:industry_list", "category"),
    ]
):
    navigation.register(NavItem("registry", label, name, icon, order=order))

navigation.register(
    NavItem(
        "system",
        _("Audit log"),
        "core:auditevent_list",
        "history",
        roles={Role.ADMIN, Role.SAFETY_OFFICE, Role.COUNTY_LEADER},
        order=1,
    )
)
navigation.register(
    NavItem(
        "system",
        _("Message channels"),
        "core:channelendpoint_list",
        "send",
        roles={Role.ADMIN, Role.SAFETY_OFFICE},
        order=2,
    )
)
navigation.register(NavItem("system", _("API documentation"), "api-docs", "api", order=3))
navigation.register(
    NavItem(
        "system",
        _("Message delivery log"),
        "core:message_list",
        "mail-forward",
        roles={Role.ADMIN},
        order=2,
    )
)
navigation.register(
    NavItem("system", _("User accounts"), "core:user_list", "user-cog", roles={Role.ADMIN}, order=0)
)
navigation.register(
    NavItem("registry", _("Organisation tree"), "core:organisation_tree", "hierarchy-2", order=-1)
)
