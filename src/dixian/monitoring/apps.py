from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "dixian.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and early warning")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the deadline handlers)

        AUDIT_ACTION_LABELS.update(
            {
                "alarm.open": _("alarm opened"),
                "alarm.level_raised": _("alarm level raised"),
                "alarm.acknowledge": _("alarm acknowledged"),
                "alarm.dispose": _("alarm disposal started"),
                "alarm.feedback": _("alarm checked and fed back"),
                "alarm.close": _("alarm closed"),
                "alarm.escalate": _("alarm escalated"),
                "alarm.open_hazard": _("hidden hazard opened from alarm"),
                "gateway.create": _("gateway registered"),
                "gateway.rotate_token": _("gateway token renewed"),
                "gateway.offline": _("gateway offline"),
                "gateway.online": _("gateway back online"),
                "point.create": _("measuring point added"),
            }
        )
