from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccidentsConfig(AppConfig):
    name = "dixian.accidents"
    label = "accidents"
    verbose_name = _("Accidents")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the clock handler)

        AUDIT_ACTION_LABELS.update(
            {
                "accident.report": _("accident reported"),
                "accident.late_report": _("late report (迟报)"),
                "accident.forward": _("report forwarded up"),
                "accident.supplement": _("supplementary report"),
                "accidentclock.met": _("clock met"),
                "accidentclock.overdue": _("clock missed (late)"),
                "accidentclock.cancel": _("clock cancelled"),
                "investigation.start": _("investigation started"),
                "investigation.extend": _("investigation extended"),
                "investigation.report": _("investigation report submitted"),
                "investigation.reply": _("government reply recorded"),
                "investigation.follow_up": _("follow-up evaluation recorded"),
                "investigation.evidence": _("四不放过 evidence recorded"),
                "investigation.close": _("case closed"),
                "dishonesty.remove": _("removed from the dishonesty list"),
                "bulletin.send": _("bulletin sent"),
                "bulletin.read": _("bulletin read"),
            }
        )
