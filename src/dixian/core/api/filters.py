"""Query filters for the API. Choices of related objects are limited to what the caller may
see, so a filter cannot be used to probe for rows outside the caller's scope. No "null"
choice (the project-wide FILTERS_NULL_CHOICE_LABEL is for the pages' filter forms)."""

import django_filters

from ..choices import DivisionLevel, OrgKind, PositionKind
from ..models import Division, Organisation, Person, Position


def _scoped(model):
    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.restrict(request.user)

    return queryset


class DivisionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=DivisionLevel.choices, null_label=None)
    parent = django_filters.ModelChoiceFilter(queryset=_scoped(Division), null_label=None)

    class Meta:
        model = Division
        fields = ["level", "parent"]


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrgKind.choices, null_label=None)
    division = django_filters.ModelChoiceFilter(queryset=_scoped(Division), null_label=None)
    parent = django_filters.ModelChoiceFilter(queryset=_scoped(Organisation), null_label=None)

    class Meta:
        model = Organisation
        fields = ["kind", "division", "parent"]


class PersonFilter(django_filters.FilterSet):
    org = django_filters.ModelChoiceFilter(queryset=_scoped(Organisation), null_label=None)

    class Meta:
        model = Person
        fields = ["org"]


class PositionFilter(django_filters.FilterSet):
    org = django_filters.ModelChoiceFilter(queryset=_scoped(Organisation), null_label=None)
    kind = django_filters.ChoiceFilter(choices=PositionKind.choices, null_label=None)

    class Meta:
        model = Position
        fields = ["org", "kind"]
