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
    User,
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


class UserForm(ScopedModelForm):
    """Accounts: an administrator creates or edits a login, its role and organisation."""

    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Required for a new account; leave empty to keep the current password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "role", "org", "person", "email", "is_active"]

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if not self.instance.pk and not p1:
            self.add_error("password1", _("A new account needs a password."))
        if p1 or p2:
            if p1 != p2:
                self.add_error("password2", _("The two passwords differ."))
            else:
                try:
                    validate_password(p1, self.instance)
                except forms.ValidationError as exc:
                    self.add_error("password1", exc)
        person, org = data.get("person"), data.get("org")
        if person and org and person.org_id != org.pk:
            self.add_error("person", _("The person belongs to another organisation."))
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password1"):
            user.set_password(self.cleaned_data["password1"])
        elif not user.pk:
            user.set_unusable_password()
        if commit:
            user.save()
        return user
