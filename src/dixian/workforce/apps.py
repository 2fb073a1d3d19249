from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "dixian.workforce"
    label = "workforce"
    verbose_name = _("Safety staff and workforce")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the deadline handlers)

        AUDIT_ACTION_LABELS.update(
            {
                "feeaccrual.submit": _("fee accrual entered"),
                "feeaccrual.accept": _("fee accrual accepted"),
                "feeaccrual.return": _("fee accrual returned"),
                "feespending.submit": _("fee spending entered"),
                "feespending.accept": _("fee spending accepted"),
                "feespending.return": _("fee spending returned"),
                "fivecheck.submit": _("five-in-place self-check submitted"),
                "fivecheck.accept": _("five-in-place self-check accepted"),
                "fivecheck.return": _("five-in-place self-check returned"),
                "scorededuction.create": _("principal points recorded"),
                "scorecycle.reached": _("scoring threshold reached"),
                "scorecycle.overdue": _("retraining overdue"),
                "scorecycle.clear": _("retraining passed"),
                "certificate.lapse": _("certificate lapsed"),
                "rulebreach.close": _("rule breach closed"),
                "rulebreach.overdue": _("corrective action overdue"),
                "employee.import": _("employees imported"),
            }
        )
