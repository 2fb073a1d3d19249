import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import GOVERNMENT_KINDS
from dixian.core.filtersets import StyledFilterSet
from dixian.core.models import Organisation

from .models import KeyTask, MilestoneState, TaskState, classes_of

SECTIONS = [(n, n) for n in "一二三四五六七八九十"]


def _bodies(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(request.user).filter(kind__in=GOVERNMENT_KINDS)


class KeyTaskFilterSet(StyledFilterSet):
    year = django_filters.NumberFilter(label=_("year"), min_value=2000, max_value=2100)
    section = django_filters.ChoiceFilter(
        label=_("section"), field_name="section_number", choices=SECTIONS
    )
    department = django_filters.ModelChoiceFilter(
        label=_("department"), queryset=_bodies, method="filter_department"
    )
    state = django_filters.ChoiceFilter(label=_("state"), choices=TaskState.choices)
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")

    class Meta:
        model = KeyTask
        fields = ["year", "section", "department", "state", "overdue"]

    def filter_department(self, qs, name, value):
        if not value:
            return qs
        q = Q(assignments__org=value)
        kinds = classes_of(value)
        if kinds:
            q |= Q(assignments__class_kind__in=kinds)
        return qs.filter(q)

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        overdue = Q(milestones__state=MilestoneState.OVERDUE)
        return qs.filter(overdue) if value else qs.exclude(overdue)
