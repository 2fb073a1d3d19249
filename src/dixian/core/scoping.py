"""Scoping: the one choke point that decides which rows a user may see or change.

Every scoped model uses ``ScopedQuerySet`` and names, in ``scope_org_field``, the path to
the organisation that owns a row. ``restrict(user, action)`` keeps the rows whose owner is in
the user's scope:

- county-wide roles (county leader, 安委办 staff, duty officer, administrator) see the county;
- a department inspector sees the department's own subtree and the enterprises of its
  jurisdiction (industries × area: 管行业必须管安全);
- a township officer or village grid worker sees the organisations located in the area;
- an enterprise safety manager sees the enterprise and its subtree.

Read-only roles get nothing for ``change`` or ``delete``. A model may refine its rule with a
``scope_q(user, action)`` class method. Views answer 404 for what ``restrict`` drops.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .choices import EDITING_ROLES, Action, OrgKind, Role


def _is_active_user(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_act(user, action: str) -> bool:
    if not _is_active_user(user):
        return False
    if action == Action.VIEW or user.is_superuser:
        return True
    return user.role in EDITING_ROLES


def is_county_wide(user, action: str = Action.VIEW) -> bool:
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if action == Action.VIEW:
        return user.is_county_wide
    # Among the county-wide roles only 安委办 staff change county-wide data; the county
    # leader reads, and duty officers change only what their own apps give them.
    return user.role == Role.SAFETY_OFFICE


def may_create(user, model) -> bool:
    """Whether the user may create objects of ``model`` at all (the "add" pages)."""
    if not may_act(user, Action.CHANGE):
        return False
    if hasattr(model, "scope_may_create"):
        return model.scope_may_create(user)
    if getattr(model, "scope_public", False):
        return is_county_wide(user, Action.CHANGE)
    return True


def visible_org_q(user, action: str = Action.VIEW) -> Q | None:
    """Q over Organisation for the user's scope; None means "everything"."""
    if is_county_wide(user, action):
        return None
    org = user.org
    if org is None:
        return Q(pk__in=[])
    q = Q(path__startswith=org.path)
    if user.role == Role.INSPECTOR:
        for jurisdiction in org.jurisdictions.prefetch_related("industries", "areas"):
            industry_ids = with_sub_industries(i.pk for i in jurisdiction.industries.all())
            if not industry_ids:
                continue
            area_q = Q()
            for area in jurisdiction.areas.all():
                area_q |= Q(division__path__startswith=area.path)
            q |= Q(kind=OrgKind.ENTERPRISE, industries__in=industry_ids) & area_q
    elif user.role in (Role.TOWNSHIP_OFFICER, Role.VILLAGE_GRID):
        if org.division_id:
            q |= Q(division__path__startswith=org.division.path)
    return q


def with_sub_industries(ids) -> list[int]:
    """An industry and every industry below it (a remit over 工贸 covers its subsectors)."""
    from .models import Industry

    found = set(ids)
    frontier = set(found)
    while frontier:
        frontier = (
            set(Industry.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
        )
        found |= frontier
    return sorted(found)


def visible_org_ids(user, action: str = Action.VIEW):
    """A subquery of the organisation ids in scope (None: all)."""
    from .models import Organisation

    q = visible_org_q(user, action)
    if q is None:
        return None
    return Organisation.objects.filter(q).values("pk")


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = Action.VIEW):
        if not may_act(user, action):
            return self.none()
        model = self.model
        if hasattr(model, "scope_q"):
            q = model.scope_q(user, action)
            return self if q is None else self.filter(q).distinct()
        if getattr(model, "scope_public", False):
            # Reference data (divisions, industries): everyone reads; administrators change.
            if action == Action.VIEW or is_county_wide(user, action):
                return self
            return self.none()
        org_ids = visible_org_ids(user, action)
        if org_ids is None:
            return self
        field = model.scope_org_field
        return self.filter(**{f"{field}__in": org_ids})
