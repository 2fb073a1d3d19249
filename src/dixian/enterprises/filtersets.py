import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dixian.core import clock
from dixian.core.choices import DivisionLevel
from dixian.core.filtersets import StyledFilterSet
from dixian.core.models import Division, Industry
from dixian.core.scoping import with_sub_industries

from .models import (
    EnterpriseProfile,
    GradeLevel,
    Licence,
    LicenceStatus,
    LicenceType,
    OperatingStatus,
    Scale,
)


def _townships(request):
    return Division.objects.filter(level=DivisionLevel.TOWNSHIP).order_by("code")


class EnterpriseFilterSet(StyledFilterSet):
    township = django_filters.ModelChoiceFilter(
        label=_("township"), queryset=_townships, method="filter_township"
    )
    industry = django_filters.ModelChoiceFilter(
        label=_("industry"), queryset=Industry.objects.all(), method="filter_industry"
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=OperatingStatus.choices)
    grade = django_filters.ModelChoiceFilter(label=_("grade"), queryset=GradeLevel.objects.all())
    scale = django_filters.ChoiceFilter(label=_("scale"), choices=Scale.choices)
    major_hazard_source = django_filters.TypedChoiceFilter(
        label=_("major hazard source"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
    )

    class Meta:
        model = EnterpriseProfile
        fields = ["township", "industry", "status", "grade", "scale", "major_hazard_source"]

    def filter_township(self, qs, name, value):
        return qs.filter(org__division__path__startswith=value.path) if value else qs

    def filter_industry(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(org__industries__in=with_sub_industries([value.pk]))


class LicenceFilterSet(StyledFilterSet):
    type = django_filters.ModelChoiceFilter(
        label=_("licence type"), queryset=LicenceType.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=LicenceStatus.choices)
    expiry = django_filters.ChoiceFilter(
        label=_("expiry"),
        method="filter_expiry",
        choices=[
            ("expired", _("Expired")),
            ("30", _("Within 30 days")),
            ("90", _("Within 90 days")),
        ],
    )
    township = django_filters.ModelChoiceFilter(
        label=_("township"), queryset=_townships, method="filter_township"
    )

    class Meta:
        model = Licence
        fields = ["type", "status", "expiry", "township"]

    def filter_township(self, qs, name, value):
        return qs.filter(enterprise__division__path__startswith=value.path) if value else qs

    def filter_expiry(self, qs, name, value):
        import datetime as dt

        today = clock.now().date()
        if value == "expired":
            return qs.filter(Q(valid_to__lt=today) | Q(status=LicenceStatus.EXPIRED))
        if value in ("30", "90"):
            return qs.filter(
                valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=int(value))
            )
        return qs
