from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "alerts"

urlpatterns = [
    path("", v.WarningList.as_view(), name="warning_list"),
    path("warnings/add/", v.WarningCreate.as_view(), name="warning_add"),
    path("warnings/<int:pk>/", v.WarningDetail.as_view(), name="warning_detail"),
    path("warnings/<int:pk>/edit/", v.WarningEdit.as_view(), name="warning_edit"),
    path("warnings/<int:pk>/live/", v.WarningLive.as_view(), name="warning_live"),
    path("warnings/<int:pk>/approve/", v.WarningApprove.as_view(), name="warning_approve"),
    path("warnings/<int:pk>/release/", v.WarningRelease.as_view(), name="warning_release"),
    path("warnings/<int:pk>/cancel/", v.WarningCancel.as_view(), name="warning_cancel"),
    path("warnings/<int:pk>/update/", v.WarningUpdate.as_view(), name="warning_update"),
    path("warnings/<int:pk>/cap.xml", v.WarningCap.as_view(), name="warning_cap"),
    path("warnings/<int:pk>/feedback/", v.WarningFeedback.as_view(), name="warning_feedback"),
    path("a/<str:token>/", v.Acknowledge.as_view(), name="ack"),
    path("sms/inbound/", v.SmsInbound.as_view(), name="sms_inbound"),
    path("responses/", v.ResponseList.as_view(), name="response_list"),
    path("responses/<int:pk>/", v.ResponseConfirm.as_view(), name="response_detail"),
    path("stats/", v.Stats.as_view(), name="stats"),
    path("cap/import/", v.CapImport.as_view(), name="cap_import_add"),
    *registry_urls(
        "directory", "contactentry", v.ContactList, v.ContactDetail, v.ContactEdit, v.ContactDelete
    ),
    *registry_urls("feeds", "capfeed", v.FeedList, v.FeedDetail, v.FeedEdit, v.FeedDelete),
]

_DRAFTERS = {Role.SAFETY_OFFICE, Role.DUTY_OFFICER, Role.ADMIN, Role.INSPECTOR}
navigation.register(
    NavItem("disasters", _("Warnings"), "alerts:warning_list", "alert-triangle", order=0)
)
navigation.register(
    NavItem(
        "disasters",
        _("Issue a warning"),
        "alerts:warning_add",
        "speakerphone",
        roles=_DRAFTERS,
        order=1,
    )
)
navigation.register(
    NavItem("disasters", _("Required actions"), "alerts:response_list", "checklist", order=2)
)
navigation.register(
    NavItem("disasters", _("Call-and-answer statistics"), "alerts:stats", "chart-bar", order=3)
)
navigation.register(
    NavItem(
        "disasters",
        _("Call-and-answer directory"),
        "alerts:contactentry_list",
        "address-book",
        order=4,
    )
)
navigation.register(
    NavItem(
        "disasters",
        _("Import CAP"),
        "alerts:cap_import_add",
        "file-import",
        roles=_DRAFTERS,
        order=5,
    )
)
navigation.register(
    NavItem(
        "disasters",
        _("CAP feeds"),
        "alerts:capfeed_list",
        "rss",
        roles={Role.SAFETY_OFFICE, Role.ADMIN},
        order=6,
    )
)
