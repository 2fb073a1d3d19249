from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "dixian.prevention"
    label = "prevention"
    verbose_name = _("Double prevention")

    def ready(self):
        from django.db.models.signals import post_delete

        from dixian.core.models import AUDIT_ACTION_LABELS, Organisation

        from . import summary, sweeps  # noqa: F401  (sweeps registers the deadline handlers)

        post_delete.connect(
            summary.department_deleted, sender=Organisation, dispatch_uid="prevention-summary"
        )

        AUDIT_ACTION_LABELS.update(
            {
                "hazard.open": _("hidden hazard opened"),
                "hazard.assign": _("hazard assigned"),
                "hazard.start": _("rectification started"),
                "hazard.rectify": _("hazard rectified"),
                "hazard.verify": _("rectification verified"),
                "hazard.reject": _("verification rejected"),
                "hazard.close": _("hazard closed"),
                "hazard.report": _("major hazard double-reported"),
                "hazard.list": _("major hazard listed for supervision"),
                "hazard.plan": _("rectification plan submitted"),
                "hazard.complete": _("completion reported"),
                "hazard.approve": _("major hazard closed (销号)"),
                "hazard.return": _("major hazard returned"),
                "hazard.escalate": _("overdue hazard escalated"),
                "supervisionnotice.issue": _("supervision notice issued"),
                "riskcheck.record": _("patrol check recorded"),
                "riskpoint.place": _("risk point placed on the site plan"),
                "riskpoint.review_overdue": _("risk point review overdue"),
                "siteplan.upload": _("site plan uploaded"),
                "majorhazardsource.recompute": _("major hazard source recomputed"),
                "publicreport.receive": _("public report received"),
                "publicreport.accept": _("public report accepted"),
                "publicreport.dismiss": _("public report dismissed"),
                "publicreport.forward": _("public report forwarded"),
            }
        )
