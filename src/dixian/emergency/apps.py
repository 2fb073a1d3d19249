from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "dixian.emergency"
    label = "emergency"
    verbose_name = _("Emergency preparedness")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the deadline handlers)

        AUDIT_ACTION_LABELS.update(
            {
                "plan.upload": _("plan version uploaded"),
                "plan.record": _("plan review, filing or evaluation recorded"),
                "plan.evaluation_overdue": _("plan evaluation overdue"),
                "drillaction.close": _("improvement action closed"),
                "drillaction.overdue": _("improvement action overdue"),
                "drill.remind": _("drill reminders sent"),
                "stock.move": _("stock movement"),
            }
        )
