from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v
from .models import TaskState

app_name = "duties"
GOVERNMENT_ROLES = set(Role.values) - {Role.ENTERPRISE_MANAGER}

urlpatterns = [
    path("board/", v.TaskBoard.as_view(), name="board"),
    path("mine/", v.MyTaskList.as_view(), name="my_tasks"),
    path("import/", v.NoticeImport.as_view(), name="keytask_import_add"),
    *registry_urls(
        "tasks", "keytask", v.KeyTaskList, v.KeyTaskDetail, v.KeyTaskEdit, v.KeyTaskDelete
    ),
    path("milestones/<int:pk>/", v.MilestoneDetail.as_view(), name="milestone_detail"),
    path("milestones/<int:pk>/report/", v.MilestoneReport.as_view(), name="milestone_report"),
    path("reports/<int:pk>/", v.ProgressReportDetail.as_view(), name="progressreport_detail"),
    path("reports/<int:pk>/review/", v.ReportReview.as_view(), name="progressreport_review"),
    path("tasks/<int:pk>/close/", v.TaskSetState.as_view(), name="keytask_close"),
    path(
        "tasks/<int:pk>/reopen/",
        v.TaskSetState.as_view(state=TaskState.OPEN),
        name="keytask_reopen",
    ),
    path("annual/", v.AnnualTaskList.as_view(), name="annual_tasks"),
    path("board/division.pdf", v.DivisionPdf.as_view(), name="division_pdf"),
    path("letters/", v.LetterList.as_view(), name="supervisionletter_list"),
    path("letters/<int:pk>/", v.LetterDetail.as_view(), name="supervisionletter_detail"),
    path("letters/<int:pk>/pdf/", v.LetterPdf.as_view(), name="supervisionletter_pdf"),
    *registry_urls(
        "leaders",
        "leadercharge",
        v.LeaderChargeList,
        v.LeaderChargeDetail,
        v.LeaderChargeEdit,
        v.LeaderChargeDelete,
    ),
    *registry_urls(
        "meetings", "meeting", v.MeetingList, v.MeetingDetail, v.MeetingEdit, v.MeetingDelete
    ),
    path("meetings/<int:pk>/decisions/", v.DecisionAdd.as_view(), name="decision_add_to"),
    path("decisions/<int:pk>/to-task/", v.DecisionToTask.as_view(), name="decision_to_task"),
    *registry_urls(
        "guarantees",
        "guarantee",
        v.GuaranteeList,
        v.GuaranteeDetail,
        v.GuaranteeEdit,
        v.GuaranteeDelete,
    ),
    path("guarantees/<int:pk>/visit/", v.GuaranteeVisitAdd.as_view(), name="guarantee_visit"),
    *registry_urls(
        "duty-lists",
        "dutylist",
        v.DutyListList,
        v.DutyListDetail,
        v.DutyListEdit,
        v.DutyListDelete,
    ),
    path("duty-lists/<int:pk>/diff/", v.DutyListDiff.as_view(), name="dutylist_diff"),
]

navigation.register(NavItem("duties", _("Task board"), "duties:board", "layout-kanban", order=0))
navigation.register(NavItem("duties", _("Key tasks"), "duties:keytask_list", "list-check", order=1))
navigation.register(
    NavItem("duties", _("My organisation's tasks"), "duties:my_tasks", "user-check", order=2)
)
navigation.register(
    NavItem(
        "duties",
        _("Import a notice"),
        "duties:keytask_import_add",
        "file-import",
        roles={Role.SAFETY_OFFICE, Role.ADMIN},
        order=3,
    )
)
navigation.register(
    NavItem("duties", _("Annual key-task list"), "duties:annual_tasks", "table-export", order=4)
)
navigation.register(
    NavItem(
        "duties",
        _("Supervision letters"),
        "duties:supervisionletter_list",
        "mail-exclamation",
        roles=GOVERNMENT_ROLES,
        order=5,
    )
)
navigation.register(
    NavItem(
        "duties",
        _("Safety committee meetings"),
        "duties:meeting_list",
        "users-group",
        roles=GOVERNMENT_ROLES,
        order=6,
    )
)
navigation.register(
    NavItem(
        "duties", _("Leader guarantees (包保)"), "duties:guarantee_list", "shield-check", order=7
    )
)
navigation.register(
    NavItem(
        "duties",
        _("Duty lists"),
        "duties:dutylist_list",
        "list-details",
        roles=GOVERNMENT_ROLES,
        order=8,
    )
)
navigation.register(
    NavItem(
        "duties",
        _("Leaders in charge"),
        "duties:leadercharge_list",
        "user-star",
        roles=GOVERNMENT_ROLES,
        order=9,
    )
)
