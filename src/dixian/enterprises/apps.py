from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "dixian.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        from dixian.core.models import AUDIT_ACTION_LABELS

        from . import sweeps  # noqa: F401  (registers the licence-expiry handler)

        AUDIT_ACTION_LABELS.update(
            {
                "enterprise.create": _("enterprise registered"),
                "enterprise.update": _("enterprise changed"),
                "enterprise.regrade": _("supervision grade recomputed"),
                "enterprise.grade_override": _("supervision grade set by hand"),
                "enterprise.grade_override_clear": _("manual supervision grade cleared"),
                "enterprise.import": _("enterprises imported"),
                "licence.create": _("licence recorded"),
                "licence.update": _("licence changed"),
                "licence.reminder": _("licence expiry reminder sent"),
                "licence.expired": _("licence expired"),
                "licence.import": _("licences imported"),
            }
        )
