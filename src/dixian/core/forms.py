from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import (
    ChannelEndpoint,
    Division,
    Industry,
    Jurisdiction,
    Organisation,
    Person,
    Position,
)
from .views.generic import ScopedModelForm


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "placeholder": _("Username")}
        )
        self.fields["password"].widget.attrs.update(
            {
                "class": "form-control",
                "autocomplete": "current-password",
                "placeholder": _("Password"),
            }
        )


class OrganisationForm(ScopedModelForm):
    class Meta:
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
        widgets = {"industries": forms.CheckboxSelectMultiple}

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if parent and self.instance.pk and parent.path.startswith(self.instance.path or "-"):
            self.add_error("parent", _("An organisation cannot sit under itself."))
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and not (-90 <= lat <= 90):
            self.add_error("latitude", _("Latitude must be between -90 and 90."))
        if lon is not None and not (-180 <= lon <= 180):
            self.add_error("longitude", _("Longitude must be between -180 and 180."))
        return data


class PersonForm(ScopedModelForm):
    class Meta:
        model = Person
        fields = ["name", "org", "title", "mobile", "email", "is_active"]

    def clean_mobile(self):
        value = self.cleaned_data["mobile"].strip().replace(" ", "").replace("-", "")
        if value and not (value.isdigit() and 7 <= len(value) <= 15):
            raise forms.ValidationError(_("Enter a phone number of 7 to 15 digits."))
        return value


class PositionForm(ScopedModelForm):
    class Meta:
        model = Position
        fields = ["person", "org", "kind", "title", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if (
            data.get("start_date")
            and data.get("end_date")
            and data["end_date"] < data["start_date"]
        ):
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class JurisdictionForm(ScopedModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["department", "industries", "areas", "note"]


class DivisionForm(ScopedModelForm):
    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "latitude", "longitude"]


class IndustryForm(ScopedModelForm):
    class Meta:
        model = Industry
        fields = ["code", "name", "parent", "high_risk", "sort"]


class ChannelEndpointForm(ScopedModelForm):
    class Meta:
        model = ChannelEndpoint
        fields = ["kind", "name", "url", "secret", "org", "enabled"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}
