"""Registry pages of the core: organisations, people, positions, jurisdictions, reference data."""

from django.utils.translation import gettext_lazy as _

from .. import filtersets, forms
from ..models import (
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
from .generic import Column, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView


class OrganisationList(ObjectListView):
    model = Organisation
    columns = [Column("name", link=True), "kind", "parent", "division", "industries", "phone"]
    filterset_class = filtersets.OrganisationFilterSet
    search_fields = ["name", "short_name", "aliases", "credit_code"]
    select_related = ["parent", "division"]


class OrganisationDetail(ObjectDetailView):
    model = Organisation
    fields = [
        "name",
        "short_name",
        "aliases",
        "kind",
        "parent",
        "division",
        "industries",
        "credit_code",
        "address",
        "phone",
        "latitude",
        "longitude",
        "is_active",
    ]
    related = [
        (
            _("Subordinate organisations"),
            lambda obj, user: Organisation.objects.restrict(user).filter(parent=obj),
            [Column("name", link=True), "kind", "division"],
            "core:organisation",
        ),
        (
            _("Positions"),
            lambda obj, user: (
                Position.objects.restrict(user).filter(org=obj).select_related("person")
            ),
            [Column("person", link=True), "kind", "title"],
            "core:position",
        ),
        (
            _("Jurisdictions"),
            lambda obj, user: Jurisdiction.objects.restrict(user).filter(department=obj),
            [Column("industries", link=True), "areas", "note"],
            "core:jurisdiction",
        ),
    ]


class OrganisationEdit(ObjectEditView):
    model = Organisation
    form_class = forms.OrganisationForm


class OrganisationDelete(ObjectDeleteView):
    model = Organisation


class PersonList(ObjectListView):
    model = Person
    columns = [Column("name", link=True), "org", "title", "mobile", "email"]
    filterset_class = filtersets.PersonFilterSet
    search_fields = ["name", "title", "mobile"]
    select_related = ["org"]


class PersonDetail(ObjectDetailView):
    model = Person
    fields = ["name", "org", "title", "mobile", "email", "is_active"]
    related = [
        (
            _("Positions"),
            lambda obj, user: Position.objects.restrict(user).filter(person=obj),
            [Column("org", link=True), "kind", "title", "start_date"],
            "core:position",
        ),
    ]


class PersonEdit(ObjectEditView):
    model = Person
    form_class = forms.PersonForm


class PersonDelete(ObjectDeleteView):
    model = Person


class PositionList(ObjectListView):
    model = Position
    columns = [Column("person", link=True), "org", "kind", "title", "start_date"]
    filterset_class = filtersets.PositionFilterSet
    search_fields = ["person__name", "title", "org__name"]
    select_related = ["person", "org"]


class PositionDetail(ObjectDetailView):
    model = Position


class PositionEdit(ObjectEditView):
    model = Position
    form_class = forms.PositionForm


class PositionDelete(ObjectDeleteView):
    model = Position


class JurisdictionList(ObjectListView):
    model = Jurisdiction
    columns = [Column("department", link=True), "industries", "areas", "note"]
    filterset_class = filtersets.JurisdictionFilterSet
    search_fields = ["department__name", "industries__name", "note"]
    select_related = ["department"]


class JurisdictionDetail(ObjectDetailView):
    model = Jurisdiction


class JurisdictionEdit(ObjectEditView):
    model = Jurisdiction
    form_class = forms.JurisdictionForm


class JurisdictionDelete(ObjectDeleteView):
    model = Jurisdiction


class DivisionList(ObjectListView):
    model = Division
    columns = [Column("name", link=True), "code", "level", "parent"]
    filterset_class = filtersets.DivisionFilterSet
    search_fields = ["name", "code"]
    select_related = ["parent"]


class DivisionDetail(ObjectDetailView):
    model = Division
    related = [
        (
            _("Subdivisions"),
            lambda obj, user: Division.objects.filter(parent=obj),
            [Column("name", link=True), "code", "level"],
            "core:division",
        ),
        (
            _("Organisations located here"),
            lambda obj, user: Organisation.objects.restrict(user).filter(division=obj),
            [Column("name", link=True), "kind"],
            "core:organisation",
        ),
    ]


class DivisionEdit(ObjectEditView):
    model = Division
    form_class = forms.DivisionForm


class DivisionDelete(ObjectDeleteView):
    model = Division


class IndustryList(ObjectListView):
    model = Industry
    columns = [Column("name", link=True), "code", "parent", "high_risk"]
    filterset_class = filtersets.IndustryFilterSet
    search_fields = ["name", "code"]
    select_related = ["parent"]


class IndustryDetail(ObjectDetailView):
    model = Industry


class IndustryEdit(ObjectEditView):
    model = Industry
    form_class = forms.IndustryForm


class IndustryDelete(ObjectDeleteView):
    model = Industry


class ChannelEndpointList(ObjectListView):
    model = ChannelEndpoint
    columns = [Column("name", link=True), "kind", "url", "org", "enabled"]
    filterset_class = filtersets.ChannelEndpointFilterSet
    search_fields = ["name", "url"]


class ChannelEndpointDetail(ObjectDetailView):
    model = ChannelEndpoint
    fields = ["name", "kind", "url", "org", "enabled"]


class ChannelEndpointEdit(ObjectEditView):
    model = ChannelEndpoint
    form_class = forms.ChannelEndpointForm


class ChannelEndpointDelete(ObjectDeleteView):
    model = ChannelEndpoint


class UserList(ObjectListView):
    model = User
    columns = [
        Column("username", link=True),
        "display_name",
        "role",
        "org",
        "is_active",
        "last_login",
    ]
    filterset_class = filtersets.UserFilterSet
    search_fields = ["username", "display_name", "org__name"]
    select_related = ["org"]


class UserDetail(ObjectDetailView):
    model = User
    fields = [
        "username",
        "display_name",
        "role",
        "org",
        "person",
        "email",
        "is_active",
        "last_login",
        "date_joined",
    ]


class UserEdit(ObjectEditView):
    model = User
    form_class = forms.UserForm


class UserDelete(ObjectDeleteView):
    model = User


class OrganisationTree(ObjectListView):
    """The organisation tree (county → bodies → townships → villages; enterprises), scoped."""

    model = Organisation
    template_name = "core/organisation_tree.html"
    paginate_by = 1000
    columns = ["name", "kind", "division"]
    select_related = ["division"]

    def get_queryset(self):
        return super().get_queryset().order_by("path")


class OutboxList(ObjectListView):
    """Every outbox message with its delivery state: the delivery log (administrators)."""

    model = Message
    columns = [
        Column("subject", link=True),
        "channel",
        "recipient",
        "address",
        "state",
        "attempts",
        "created_at",
        "delivered_at",
        "last_error",
    ]
    filterset_class = filtersets.MessageFilterSet
    search_fields = ["subject", "address", "recipient__username", "last_error"]
    select_related = ["recipient"]
    can_add = False
    title = _("Message delivery log")


class OutboxDetail(ObjectDetailView):
    model = Message
    editable = False
    fields = [
        "subject",
        "body",
        "link",
        "channel",
        "recipient",
        "endpoint",
        "address",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "read_at",
        "last_error",
    ]
    related = [
        (
            _("Delivery attempts"),
            lambda obj, user: obj.deliveries.all(),
            [Column("at"), "success", "status_code", "detail"],
            None,
        ),
    ]
