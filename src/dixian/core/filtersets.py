import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Channel, DivisionLevel, MessageState, OrgKind, PositionKind, Role
from .models import (
    AuditEvent,
    ChannelEndpoint,
    Division,
    Industry,
    Jurisdiction,
    Message,
    Organisation,
    Person,
    Position,
    User,
)


def _scoped(model):
    def queryset(request):
        if request is None:
            return model.objects.none()
        return model.objects.restrict(request.user)

    return queryset


def _townships(request):
    return Division.objects.filter(level__in=[DivisionLevel.TOWNSHIP])


class StyledFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():
            w = f.widget
            w.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(w, forms.Select)
                else "form-control form-control-sm",
            )


class OrganisationFilterSet(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=OrgKind.choices)
    township = django_filters.ModelChoiceFilter(
        label=_("township"), queryset=_townships, method="filter_township"
    )
    industry = django_filters.ModelChoiceFilter(
        label=_("industry"), queryset=Industry.objects.all(), field_name="industries"
    )

    class Meta:
        model = Organisation
        fields = ["kind", "township", "industry"]

    def filter_township(self, qs, name, value):
        return qs.filter(division__path__startswith=value.path) if value else qs


class PersonFilterSet(StyledFilterSet):
    org = django_filters.ModelChoiceFilter(label=_("organisation"), queryset=_scoped(Organisation))

    class Meta:
        model = Person
        fields = ["org"]


class PositionFilterSet(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=PositionKind.choices)
    org = django_filters.ModelChoiceFilter(label=_("organisation"), queryset=_scoped(Organisation))

    class Meta:
        model = Position
        fields = ["kind", "org"]


class JurisdictionFilterSet(StyledFilterSet):
    industry = django_filters.ModelChoiceFilter(
        label=_("industry"), queryset=Industry.objects.all(), field_name="industries"
    )

    class Meta:
        model = Jurisdiction
        fields = ["department", "industry"]


class DivisionFilterSet(StyledFilterSet):
    level = django_filters.ChoiceFilter(label=_("level"), choices=DivisionLevel.choices)

    class Meta:
        model = Division
        fields = ["level", "parent"]


class IndustryFilterSet(StyledFilterSet):
    class Meta:
        model = Industry
        fields = ["high_risk", "parent"]


class AuditEventFilterSet(StyledFilterSet):
    action = django_filters.CharFilter(label=_("action"), lookup_expr="icontains")
    object_type = django_filters.CharFilter(label=_("object type"), lookup_expr="icontains")
    actor_name = django_filters.CharFilter(label=_("actor"), lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("since"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "actor_name", "since"]


class MessageFilterSet(StyledFilterSet):
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=Channel.choices)
    state = django_filters.ChoiceFilter(label=_("state"), choices=MessageState.choices)
    unread = django_filters.BooleanFilter(
        label=_("unread"), field_name="read_at", lookup_expr="isnull"
    )

    class Meta:
        model = Message
        fields = ["channel", "state", "unread"]


class ChannelEndpointFilterSet(StyledFilterSet):
    class Meta:
        model = ChannelEndpoint
        fields = ["kind", "enabled"]


class UserFilterSet(StyledFilterSet):
    role = django_filters.ChoiceFilter(label=_("role"), choices=Role.choices)

    class Meta:
        model = User
        fields = ["role", "is_active"]
