from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "dixian.duties"
    label = "duties"
    verbose_name = _("Responsibility system")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the overdue-milestone handler)

        AUDIT_ACTION_LABELS.update(
            {
                "keytask.import": _("notice imported"),
                "keytask.complete": _("task completed"),
                "keytask.reopen": _("task reopened"),
                "progressreport.submit": _("progress reported"),
                "progressreport.confirm": _("progress report confirmed"),
                "progressreport.return": _("progress report returned"),
                "milestone.overdue": _("milestone overdue"),
            }
        )
