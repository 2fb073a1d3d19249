"""Navigation follows the parts of the county's annual work-safety notice.

Apps register their pages under a part; the shell shows the parts that have pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PARTS = [
    ("duties", _("I. Responsibility system")),
    ("risks", _("II. Risks and hidden hazards")),
    ("campaigns", _("III. Special rectification")),
    ("disasters", _("IV. Disaster prevention and warnings")),
    ("foundations", _("V. Grassroots foundations")),
    ("emergency", _("VI. Emergency response")),
    ("assessment", _("VII. Investigation and assessment")),
    ("registry", _("Organisations and people")),
    ("system", _("System")),
]


@dataclass
class NavItem:
    part: str
    label: str
    url_name: str
    icon: str = "point"
    roles: set[str] | None = None
    order: int = 100
    extra: dict = field(default_factory=dict)

    def visible_to(self, user) -> bool:
        if self.roles is None:
            return True
        return user.is_superuser or user.role in self.roles


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    _items[:] = [i for i in _items if i.url_name != item.url_name] + [item]


def menu_for(user, current_path: str = "") -> list[dict]:
    menu = []
    for key, label in PARTS:
        entries = []
        for item in sorted((i for i in _items if i.part == key), key=lambda i: i.order):
            if not item.visible_to(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            entries.append(
                {
                    "label": item.label,
                    "url": url,
                    "icon": item.icon,
                    "active": current_path.startswith(url) and url != "/",
                }
            )
        if entries:
            menu.append(
                {
                    "key": key,
                    "label": label,
                    "items": entries,
                    "active": any(e["active"] for e in entries),
                }
            )
    return menu
