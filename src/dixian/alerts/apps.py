from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "dixian.alerts"
    label = "alerts"
    verbose_name = _("Disaster warnings")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the 叫应, expiry and feed handlers)

        AUDIT_ACTION_LABELS.update(
            {
                "warning.draft": _("warning drafted"),
                "warning.approve": _("warning approved"),
                "warning.release": _("warning released"),
                "warning.escalate": _("silent targets escalated"),
                "warning.cancelled": _("warning cancelled"),
                "warning.expired": _("warning expired"),
                "warning.updated": _("warning superseded by an update"),
                "warning.cap_import": _("CAP message imported"),
                "warningtarget.acknowledge": _("warning acknowledged"),
                "feedback.submit": _("measures reported"),
                "response.confirm": _("required action confirmed"),
                "capfeed.fetch": _("CAP feed fetched"),
            }
        )
