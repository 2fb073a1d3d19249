"""Scoping: every URL pattern (pages and API), walked with every demo role.

For each pattern the test builds concrete URLs — for object URLs with objects inside and
outside each role's scope — and asserts 200 for what the role may see and 404 for what it
may not. A new URL pattern that this walk cannot classify fails the test, so every app's
pages join the walk.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dixian.core.choices import Action, OrgKind
from dixian.core.models import Message, Organisation
from dixian.core.scoping import may_create

ROLES = [
    "leader",
    "office",
    "inspector",
    "housing",
    "township",
    "grid",
    "enterprise",
    "duty",
    "admin",
]

# Views that answer something other than a page to GET.
POST_ONLY = {"logout", "inbox_read_all", "message-read"}
PUBLIC = {"login", "health", "set_language", "api-schema", "api-docs"}


def declared_scoping(pattern: URLPattern) -> str | None:
    """A view may declare how the walk treats it, instead of being listed here:
    ``scoping = "post_only"`` (GET answers 404/405), ``"public"`` (anyone, no object),
    or ``"token"`` (anyone holding a signed token in the URL; a bad token is refused).
    Set it on the view class, the DRF viewset action, or the view function."""
    callback = pattern.callback
    for holder in (getattr(callback, "view_class", None), getattr(callback, "cls", None), callback):
        if holder is not None and getattr(holder, "scoping", None):
            return holder.scoping
    return None


def walk(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk(p, ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, p


def params_of(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)


def model_and_action(pattern: URLPattern):
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and getattr(view_class, "model", None) is not None:
        return view_class.model, getattr(view_class, "action", Action.VIEW)
    cls = getattr(callback, "cls", None)
    if cls is not None and getattr(cls, "queryset", None) is not None:
        return cls.queryset.model, Action.VIEW
    return None, None


# The personal inbox (page and API) shows only the caller's own messages, whatever the role.
INBOX = {"message_detail", "message-detail", "message-read"}


def visible(model, user, action, obj, name="") -> bool:
    if model is Message and name in INBOX:
        return obj.recipient_id == user.pk
    return model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()


def sample_objects(model, users, action):
    """Per role: one object in scope and one out of scope (when they exist)."""
    seen = {}
    for username in ROLES:
        user = users[username]
        qs = model._default_manager.all().order_by("pk")
        if model is Message:
            inside = qs.filter(recipient=user)
        else:
            inside = model._default_manager.restrict(user, action).order_by("pk")
        first_in = inside.first()
        first_out = qs.exclude(pk__in=inside.values("pk")).order_by("-pk").first()
        for obj in (first_in, first_out):
            if obj is not None:
                seen[obj.pk] = obj
    return list(seen.values())


@pytest.fixture
def world(users):
    """Give every user one in-app message so the inbox detail has objects."""
    from dixian.core.notify import enqueue

    for username in ROLES:
        enqueue(subject=f"hello {username}", recipients=[users[username]])
    return users


def lookup_value(obj, param):
    return getattr(obj, param if param != "pk" else "pk")


def test_every_url_with_every_role(world, client_for, client):
    users = world
    clients = {u: client_for(u) for u in ROLES}
    unclassified = []
    checked = 0
    for name, pattern in walk():
        params = params_of(pattern) - {"format"}
        fmt = "format" in params_of(pattern)
        kwargs_extra = {"format": "json"} if fmt else {}
        base = name.split(":")[-1]
        declared = declared_scoping(pattern)
        if declared == "token":
            url = reverse(name, kwargs={p: "not-a-valid-token" for p in params} | kwargs_extra)
            for c in (client, clients["enterprise"]):
                assert c.get(url).status_code in (400, 403, 404, 410), (name, "bad token")
            checked += 1
            continue
        if declared == "public" and not params:
            url = reverse(name, kwargs=kwargs_extra or None)
            assert client.get(url).status_code in (200, 302, 405), (name, "anonymous")
            checked += 1
            continue
        if base in POST_ONLY or declared == "post_only":
            url = _url(name, pattern, params, users, kwargs_extra)
            for username in ROLES:
                assert clients[username].get(url).status_code in (404, 405), (name, username)
            checked += 1
            continue
        if not params:
            url = reverse(name, kwargs=kwargs_extra or None)
            anon = client.get(url)
            if base in PUBLIC or name in PUBLIC:
                assert anon.status_code in (200, 302, 405), (name, anon.status_code)
            elif url.startswith("/api/"):
                assert anon.status_code in (401, 403), (name, anon.status_code)
            else:
                assert anon.status_code == 302 and "/accounts/login/" in anon["Location"], name
            model, _action = model_and_action(pattern)
            for username in ROLES:
                response = clients[username].get(url)
                expected = (200, 302) if base in ("login", "set_language") else (200,)
                if name == "set_language":
                    expected = (302, 405, 200)
                if base.endswith("_add"):
                    expected = (200,) if may_create(users[username], model) else (404,)
                assert response.status_code in expected, (name, username, response.status_code)
                checked += 1
            continue
        model, action = model_and_action(pattern)
        if model is None or not params <= {"pk", "seq"}:
            unclassified.append(name)
            continue
        (param,) = params
        for obj in sample_objects(model, users, action):
            url = reverse(name, kwargs={param: lookup_value(obj, param), **kwargs_extra})
            assert client.get(url).status_code in (302, 401, 403), (name, "anonymous")
            for username in ROLES:
                user = users[username]
                response = clients[username].get(url)
                want = 200 if visible(model, user, action, obj, name) else 404
                assert response.status_code == want, (name, username, obj.pk, response.status_code)
                checked += 1
    assert not unclassified, f"URL patterns the scoping walk cannot classify: {unclassified}"
    assert checked > 500


def _url(name, pattern, params, users, extra):
    if not params:
        return reverse(name, kwargs=extra or None)
    (param,) = params
    return reverse(name, kwargs={param: 1, **extra})


# What each role sees, stated outright (not derived from restrict()).


def names(qs):
    return set(qs.values_list("name", flat=True))


def test_enterprise_sees_only_itself(users):
    seen = names(Organisation.objects.restrict(users["enterprise"]))
    assert seen == {"山西河源氧化铝有限公司", "山西河源氧化铝有限公司赤泥堆场"}


def test_township_sees_its_area_only(users):
    seen = Organisation.objects.restrict(users["township"])
    assert "曹川镇人民政府" in names(seen)
    assert "平陆县鸿岭煤业有限公司（基建矿井）" in names(seen)  # located in 曹川镇
    assert "平陆县中岳铝土矿有限公司" in names(seen)
    assert "平陆县恒信化工有限公司" not in names(seen)  # 三门镇
    assert "平陆县应急管理局" not in names(seen)
    assert all(o.division.path.startswith("140829/140829104/") for o in seen)


def test_grid_worker_sees_village_only(users):
    seen = names(Organisation.objects.restrict(users["grid"]))
    assert seen == {"川口村村民委员会（示例）"}


def test_inspector_sees_jurisdiction_enterprises(users):
    seen = names(Organisation.objects.restrict(users["inspector"]).filter(kind=OrgKind.ENTERPRISE))
    assert "平陆县鸿岭煤业有限公司（基建矿井）" in seen  # coal
    assert "平陆县恒信化工有限公司" in seen  # hazardous chemicals
    assert "平陆县城南棚户区改造项目（示例工地）" not in seen  # construction: 住建局
    assert "平陆县宏达燃气有限公司" not in seen  # gas: 住建局
    housing = names(Organisation.objects.restrict(users["housing"]).filter(kind=OrgKind.ENTERPRISE))
    assert housing == {
        "平陆县城南棚户区改造项目（示例工地）",
        "运三高速连接线桥梁工程（示例工地）",
        "平陆县宏达燃气有限公司",
    }


def test_county_wide_roles_see_everything(users):
    total = Organisation.objects.count()
    for username in ("leader", "office", "duty", "admin"):
        assert Organisation.objects.restrict(users[username]).count() == total


def test_read_only_leader_cannot_change(users):
    assert Organisation.objects.restrict(users["leader"], Action.CHANGE).count() == 0
    assert (
        Organisation.objects.restrict(users["office"], Action.CHANGE).count()
        == Organisation.objects.count()
    )


def test_out_of_scope_is_404_not_403(client_for):
    other = Organisation.objects.get(name="平陆县恒信化工有限公司")
    c = client_for("enterprise")
    assert c.get(f"/org/organisations/{other.pk}/").status_code == 404
    assert c.get(f"/api/v1/organisations/{other.pk}/").status_code == 404
    assert c.post(f"/org/organisations/{other.pk}/edit/", {"name": "x"}).status_code == 404


def test_exports_are_scoped(client_for):
    c = client_for("enterprise")
    body = b"".join(c.get("/org/organisations/?export=csv").streaming_content).decode("utf-8-sig")
    lines = [line for line in body.splitlines() if line.strip()]
    assert len(lines) == 3  # header + the plant + its red-mud yard
    assert "恒信化工" not in body


def test_remit_over_a_sector_covers_its_subsectors(users):
    # 县应急局 supervises 工贸; the flour mill is registered under its subsector 轻工.
    seen = names(Organisation.objects.restrict(users["inspector"]))
    assert "平陆县福源面粉有限公司" in seen


def test_a_department_cannot_widen_its_own_remit(client_for, users):
    from dixian.core.models import Industry, Jurisdiction

    own = Jurisdiction.objects.filter(department=users["inspector"].org).first()
    c = client_for("inspector")
    assert c.get(f"/org/jurisdictions/{own.pk}/").status_code == 200
    assert c.get(f"/org/jurisdictions/{own.pk}/edit/").status_code == 404
    construction = Industry.objects.get(code="construction")
    response = c.post(
        "/org/jurisdictions/add/",
        {"department": users["inspector"].org_id, "industries": [construction.pk], "note": "x"},
    )
    assert response.status_code == 404
    assert not Jurisdiction.objects.filter(note="x").exists()
    seen = names(Organisation.objects.restrict(users["inspector"]))
    assert "平陆县城南棚户区改造项目（示例工地）" not in seen
