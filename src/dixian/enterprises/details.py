"""Industry details of an enterprise: one typed section per kind of industry.

Each section is a plain Django form (real fields, errors in Chinese on the field) whose
cleaned data is stored under its key in ``EnterpriseProfile.details``. A section applies
when the enterprise has one of its industries (or a sub-industry of one).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dixian.core import clock

MINE_TYPES = [
    ("coal", _("Coal mine")),
    ("metal", _("Metal mine")),
    ("nonmetal", _("Non-metal mine")),
]
MINING_METHODS = [("underground", _("Underground")), ("open_pit", _("Open-pit"))]
GAS_GRADES = [
    ("", _("Not applicable")),
    ("low", _("Low-gas mine")),
    ("high", _("High-gas mine")),
    ("outburst", _("Coal and gas outburst mine")),
]
POND_KINDS = [("tailings", _("Tailings pond")), ("red_mud", _("Red-mud yard"))]
POND_GRADES = [(str(i), label) for i, label in enumerate("一二三四五", start=1)]
POND_STATES = [
    ("in_use", _("In use")),
    ("stopped", _("Stopped")),
    ("closed", _("Closed and de-registered")),
]
GAS_KINDS = [
    ("pipeline", _("Pipeline natural gas")),
    ("lpg", _("Bottled LPG")),
    ("cng", _("CNG / LNG station")),
]
PLACE_KINDS = [
    ("scenic", _("Scenic area")),
    ("market", _("Market or shopping centre")),
    ("hotel", _("Hotel or restaurant")),
    ("school", _("School")),
    ("hospital", _("Hospital")),
    ("venue", _("Venue or entertainment place")),
    ("other", _("Other")),
]


class SectionForm(forms.Form):
    key = ""
    title = ""
    industries: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.key)
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")

    def stored(self) -> dict:
        """Cleaned data as JSON (dates ISO, decimals as text, empty values dropped)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            out[name] = value
        return out


class DateInput(forms.DateInput):
    input_type = "date"


class MineSection(SectionForm):
    key = "mine"
    title = _("Mine")
    industries = ("mining", "coal", "metal_nonmetal")

    mine_type = forms.ChoiceField(label=_("mine type"), choices=MINE_TYPES)
    mining_method = forms.ChoiceField(label=_("mining method"), choices=MINING_METHODS)
    gas_grade = forms.ChoiceField(label=_("gas grade"), choices=GAS_GRADES, required=False)
    capacity = forms.DecimalField(
        label=_("design capacity (10,000 t/year)"), min_value=0, max_digits=10, decimal_places=2
    )

    def clean(self):
        data = super().clean()
        if data.get("mine_type") == "coal" and not data.get("gas_grade"):
            self.add_error("gas_grade", _("A coal mine needs its gas grade."))
        return data


class TailingsSection(SectionForm):
    key = "tailings"
    title = _("Tailings pond or red-mud yard")
    industries = ("tailings",)

    pond_kind = forms.ChoiceField(label=_("kind"), choices=POND_KINDS)
    pond_grade = forms.ChoiceField(label=_("pond grade (等别)"), choices=POND_GRADES)
    capacity = forms.DecimalField(
        label=_("total capacity (10,000 m³)"), min_value=0, max_digits=10, decimal_places=2
    )
    dam_height = forms.DecimalField(
        label=_("dam height (m)"), min_value=0, max_digits=7, decimal_places=2
    )
    pond_state = forms.ChoiceField(label=_("use"), choices=POND_STATES)
    stopped_since = forms.DateField(label=_("stopped since"), required=False, widget=DateInput)
    operator_exists = forms.BooleanField(
        label=_("an operating entity still exists"), required=False, initial=True
    )

    def clean(self):
        data = super().clean()
        if data.get("pond_state") == "stopped" and not data.get("stopped_since"):
            self.add_error("stopped_since", _("Give the date the pond stopped being used."))
        since = data.get("stopped_since")
        if since and since > clock.now().date():
            self.add_error("stopped_since", _("The date cannot be in the future."))
        return data


class HazchemSection(SectionForm):
    key = "hazchem"
    title = _("Hazardous chemicals")
    industries = ("hazchem",)

    products = forms.CharField(
        label=_("hazardous chemicals produced, stored or sold"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    processes = forms.CharField(
        label=_("key supervised hazardous processes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    major_hazard_grade = forms.ChoiceField(
        label=_("major hazard source grade"),
        required=False,
        choices=[("", _("None"))] + [(str(i), f"{'一二三四'[i - 1]}级") for i in range(1, 5)],
    )


class ConstructionSection(SectionForm):
    key = "construction"
    title = _("Construction project")
    industries = ("construction",)

    project = forms.CharField(label=_("project name"), max_length=200)
    contractor = forms.CharField(label=_("general contractor"), max_length=200)
    cost = forms.DecimalField(
        label=_("contract cost (10,000 yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    start_date = forms.DateField(label=_("start date"), required=False, widget=DateInput)
    planned_end = forms.DateField(label=_("planned completion"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("planned_end"):
            if data["planned_end"] < data["start_date"]:
                self.add_error("planned_end", _("Completion cannot be before the start."))
        return data


class GasSection(SectionForm):
    key = "gas"
    title = _("Gas company")
    industries = ("gas",)

    gas_kind = forms.ChoiceField(label=_("business"), choices=GAS_KINDS)
    households = forms.IntegerField(label=_("households supplied"), min_value=0, required=False)
    pipeline_km = forms.DecimalField(
        label=_("pipeline length (km)"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        required=False,
    )


class CrowdedPlaceSection(SectionForm):
    key = "crowded"
    title = _("Crowded place")
    industries = ("culture_tourism", "fire_key_unit", "education", "health")

    place_kind = forms.ChoiceField(label=_("kind of place"), choices=PLACE_KINDS)
    max_people = forms.IntegerField(label=_("maximum people at once"), min_value=0)
    floor_area = forms.DecimalField(
        label=_("floor area (m²)"), min_value=0, max_digits=10, decimal_places=1, required=False
    )


SECTIONS: list[type[SectionForm]] = [
    MineSection,
    TailingsSection,
    HazchemSection,
    ConstructionSection,
    GasSection,
    CrowdedPlaceSection,
]
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


def industry_codes(industries) -> set[str]:
    """Codes of the industries and of their parents (coal counts as mining too)."""
    codes = set()
    for ind in industries:
        while ind is not None:
            codes.add(ind.code)
            ind = ind.parent
    return codes


def sections_for(industries) -> list[type[SectionForm]]:
    codes = industry_codes(industries)
    return [s for s in SECTIONS if codes & set(s.industries)]


def display(details: dict) -> list[dict]:
    """Sections as (title, [(label, value)]) for the detail page, choices shown by label."""
    out = []
    for section in SECTIONS:
        data = (details or {}).get(section.key)
        if not data:
            continue
        form = section()
        rows = []
        for name, field in form.fields.items():
            if name not in data:
                continue
            value = data[name]
            if isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(field, forms.BooleanField):
                value = _("Yes") if value else _("No")
            rows.append({"label": field.label, "value": value})
        out.append({"key": section.key, "title": section.title, "rows": rows})
    return out


def tailings_must_close(details: dict, today: dt.date) -> bool:
    """Notice item (十一): a pond stopped for more than 3 years, or without an operating
    entity, must be closed and de-registered within the year."""
    data = (details or {}).get("tailings") or {}
    if not data or data.get("pond_state") == "closed":
        return False
    if data.get("operator_exists", True) is False:
        return True
    since = data.get("stopped_since")
    if data.get("pond_state") == "stopped" and since:
        stopped = dt.date.fromisoformat(since)
        try:
            limit = stopped.replace(year=stopped.year + 3)
        except ValueError:  # 29 February
            limit = stopped.replace(year=stopped.year + 3, day=28)
        return today > limit
    return False
