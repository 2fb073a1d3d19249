from django.urls import path
from django.utils.translation import gettext_lazy as _

from dixian.core import navigation
from dixian.core.choices import Role
from dixian.core.navigation import NavItem
from dixian.core.views.generic import registry_urls

from . import views as v

app_name = "duties"

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
