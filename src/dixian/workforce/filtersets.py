import django_filters
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import OrgKind
from dixian.core.filtersets import StyledFilterSet
from dixian.core.models import Organisation

from .models import (
    BreachKind,
    BreachState,
    Certificate,
    CertificateState,
    CertificateType,
    CycleState,
    Employee,
    FiveCheck,
    Post,
    ReviewState,
    RuleBreach,
    SafetyStaff,
    ScoreCycle,
    StaffRole,
    TrainingRecord,
)


def _enterprises(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user).filter(kind=OrgKind.ENTERPRISE)


def enterprise_filter(field="enterprise"):
    return django_filters.ModelChoiceFilter(
        label=_("enterprise"), queryset=_enterprises, field_name=field
    )


class SafetyStaffFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    role = django_filters.ChoiceFilter(label=_("role"), choices=StaffRole.choices)

    class Meta:
        model = SafetyStaff
        fields = ["enterprise", "role"]


class CertificateFilterSet(StyledFilterSet):
    enterprise = enterprise_filter("person__org")
    kind = django_filters.ModelChoiceFilter(
        label=_("certificate type"), queryset=CertificateType.objects.all()
    )
    state = django_filters.ChoiceFilter(label=_("state"), choices=CertificateState.choices)

    class Meta:
        model = Certificate
        fields = ["enterprise", "kind", "state"]


class PostFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()

    class Meta:
        model = Post
        fields = ["enterprise"]


class EmployeeFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    is_active = django_filters.BooleanFilter(label=_("employed"))

    class Meta:
        model = Employee
        fields = ["enterprise", "is_active"]


class TrainingFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    passed = django_filters.BooleanFilter(label=_("passed"))

    class Meta:
        model = TrainingRecord
        fields = ["enterprise", "passed"]


class RuleBreachFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=BreachKind.choices)
    state = django_filters.ChoiceFilter(label=_("state"), choices=BreachState.choices)

    class Meta:
        model = RuleBreach
        fields = ["enterprise", "kind", "state"]


class FiveCheckFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    state = django_filters.ChoiceFilter(label=_("review"), choices=ReviewState.choices)

    class Meta:
        model = FiveCheck
        fields = ["enterprise", "state"]


class ScoreCycleFilterSet(StyledFilterSet):
    enterprise = enterprise_filter()
    state = django_filters.ChoiceFilter(label=_("state"), choices=CycleState.choices)

    class Meta:
        model = ScoreCycle
        fields = ["enterprise", "state"]
