import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.filtersets import StyledFilterSet

from .models import Accident, AccidentKind, Category, ClockState, Grade


class AccidentFilterSet(StyledFilterSet):
    grade = django_filters.ChoiceFilter(
        label=pgettext_lazy("accident", "grade"), choices=Grade.choices
    )
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=AccidentKind.choices)
    category = django_filters.ChoiceFilter(label=_("category"), choices=Category.choices)
    late = django_filters.BooleanFilter(label=_("late clock"), method="filter_late")
    year = django_filters.NumberFilter(
        label=_("year"), field_name="occurred_at__year", min_value=2000, max_value=2100
    )

    class Meta:
        model = Accident
        fields = ["grade", "kind", "category", "late", "year"]

    def filter_late(self, qs, name, value):
        if value is None:
            return qs
        late = qs.filter(clocks__state=ClockState.OVERDUE) | qs.filter(late_reported=True)
        return late if value else qs.exclude(pk__in=late.values("pk"))
