"""The 动态清零 board's summary table: kept in step by the services, equal to a direct count
of the hazards after any sequence of transitions, right about overdue at read time, and the
daily snapshots of the trend."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from dixian.core import clock
from dixian.core.models import Organisation
from dixian.prevention import selectors, services, summary
from dixian.prevention.models import (
    Hazard,
    HazardDailySnapshot,
    HazardLevel,
    HazardOpenCount,
    HazardScopeSnapshot,
    HazardState,
)

ALUMINA = "山西河源氧化铝有限公司"


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format="PNG")
    return buf.getvalue()


def direct_board(user, now):
    """What the board must show, counted from the hazards themselves."""
    per_ent = defaultdict(lambda: {"open": 0, "major": 0, "overdue": 0, "oldest": None})
    per_dept = defaultdict(lambda: {"open": 0, "overdue": 0})
    for h in Hazard.objects.restrict(user).filter(is_open=True):
        e = per_ent[h.enterprise_id]
        overdue = h.due_at is not None and h.due_at < now
        e["open"] += 1
        e["major"] += h.level == HazardLevel.MAJOR
        e["overdue"] += overdue
        e["oldest"] = h.found_at if e["oldest"] is None else min(e["oldest"], h.found_at)
        d = per_dept[h.department_id]
        d["open"] += 1
        d["overdue"] += overdue
    return per_ent, per_dept


def assert_board_is_direct(user, now):
    with clock.frozen(now):
        board = selectors.board(user)
    per_ent, per_dept = direct_board(user, now)
    t = board["totals"]
    assert t["open"] == sum(e["open"] for e in per_ent.values())
    assert t["major"] == sum(e["major"] for e in per_ent.values())
    assert t["overdue"] == sum(e["overdue"] for e in per_ent.values())
    assert board["enterprise_count"] == len(per_ent)
    for row in board["enterprises"]:
        e = per_ent[row["id"]]
        assert (row["open"], row["major"], row["overdue"]) == (e["open"], e["major"], e["overdue"])
        assert row["age_days"] == (now - e["oldest"]).days
    got = {r["department"]: (r["open"], r["overdue"]) for r in board["departments"]}
    assert got == {k: (v["open"], v["overdue"]) for k, v in per_dept.items()}
    return board


@pytest.fixture
def world(users):
    ents = list(
        Organisation.objects.restrict(users["enterprise"]).filter(kind="enterprise").order_by("pk")
    )
    assert len(ents) >= 2
    return ents


def _act(rng, users, hazard, today):
    """One random allowed transition of ``hazard`` (None when nobody may move it)."""
    options = []
    for name in ("enterprise", "enterprise2", "inspector", "office"):
        for action in services.allowed_actions(users[name], hazard):
            options.append((name, action))
    if not options:
        return None
    name, action = rng.choice(options)
    day = today + dt.timedelta(days=rng.randint(0, 3))
    data = {
        "assign": {"due_date": day},
        "rectify": {"note": "已整改", "photos": [SimpleUploadedFile("a.png", png())]},
        "reject": {"note": "仍不合格"},
        "return": {"note": "仍不合格"},
        "list": {"deadline": day},
        "plan": {
            "responsibility": "张三",
            "measures": "加装报警仪",
            "funds": "1000",
            "deadline": day,
            "emergency": "撤离",
        },
        "complete": {"report": "已完成"},
    }.get(action, {})
    return services.transition(actor=users[name], hazard=hazard, action=action, **data)


@pytest.mark.django_db(transaction=False)
def test_summary_equals_direct_count_after_random_transitions(users, world):
    rng = random.Random(20241)
    now = timezone.now().replace(microsecond=0)
    made = []
    for step in range(70):
        now += dt.timedelta(hours=rng.choice([1, 3, 7, 20]))
        with clock.frozen(now):
            today = services.local_today()
            open_ones = [h for h in made if Hazard.objects.get(pk=h).is_open]
            if not open_ones or rng.random() < 0.3:
                level = rng.choice([HazardLevel.GENERAL, HazardLevel.GENERAL, HazardLevel.MAJOR])
                h = services.report_hazard(
                    actor=rng.choice([users["enterprise"], users["inspector"]]),
                    enterprise=rng.choice(world),
                    title=f"随机隐患 {step}",
                    level=level,
                    criteria_codes=["chemical-12"] if level == HazardLevel.MAJOR else (),
                )
                made.append(h.pk)
            else:
                _act(rng, users, Hazard.objects.get(pk=rng.choice(open_ones)), today)
        if step % 10 == 9:
            assert summary.mismatches() == []
    states = set(Hazard.objects.filter(pk__in=made).values_list("state", flat=True))
    assert HazardState.CLOSED in states and len(states) >= 4  # the walk went somewhere
    assert summary.mismatches() == []
    kept = sorted(
        HazardOpenCount.objects.values_list(
            "enterprise", "department_key", "level", "due_day", "n", "oldest_found_at"
        )
    )
    summary.rebuild()
    rebuilt = sorted(
        HazardOpenCount.objects.values_list(
            "enterprise", "department_key", "level", "due_day", "n", "oldest_found_at"
        )
    )
    assert kept == rebuilt
    # The board agrees with a direct count for each kind of scope, now and later (overdue
    # grows with time without any write).
    for later in (now, now + dt.timedelta(days=2), now + dt.timedelta(days=9)):
        for name in ("office", "inspector", "enterprise", "township"):
            assert_board_is_direct(users[name], later)


def test_overdue_on_the_deadline_day_follows_the_clock(users, world):
    """A deadline inside today's bucket: not overdue an hour before, overdue an hour after."""
    ent, insp = users["enterprise"], users["inspector"]
    start = timezone.now().replace(microsecond=0)
    with clock.frozen(start):
        h = services.report_hazard(
            actor=ent,
            enterprise=world[0],
            title="测试：重大",
            level="major",
            criteria_codes=["chemical-12"],
        )
        h = services.transition(actor=ent, hazard=h, action="report")
        h = services.transition(
            actor=insp,
            hazard=h,
            action="list",
            deadline=services.local_today() + dt.timedelta(days=5),
        )
        h = services.transition(
            actor=ent,
            hazard=h,
            action="plan",
            responsibility="张三",
            measures="m",
            funds="10",
            deadline=services.local_today() + dt.timedelta(days=5),
            emergency="e",
        )
        h = services.transition(actor=ent, hazard=h, action="complete", report="done")
    due = h.due_at  # ten days from now, to the second: the regulator's review
    seen = []
    for moment in (due - dt.timedelta(seconds=1), due + dt.timedelta(seconds=1)):
        assert summary.local_day(moment) == summary.local_day(due)  # today's bucket
        with clock.frozen(moment):
            per_ent, per_dept = summary.open_counts(users["office"], moment)
        direct, direct_dept = direct_board(users["office"], moment)
        assert per_ent[world[0].pk]["overdue"] == direct[world[0].pk]["overdue"]
        assert per_dept[h.department_id]["overdue"] == direct_dept[h.department_id]["overdue"]
        seen.append(per_ent[world[0].pk]["overdue"])
    assert seen[1] == seen[0] + 1
    assert summary.mismatches() == []


def test_closing_the_oldest_hazard_moves_the_age(users, world):
    ent, ent2 = users["enterprise"], users["enterprise2"]
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=30)
    with clock.frozen(t0):
        old = services.report_hazard(actor=ent, enterprise=world[1], title="测试：旧")
    with clock.frozen(t0 + dt.timedelta(days=20)):
        services.report_hazard(actor=ent, enterprise=world[1], title="测试：新")
        today = services.local_today()
        old = services.transition(actor=ent, hazard=old, action="assign", due_date=today)
        old = services.transition(actor=ent, hazard=old, action="start")
        old = services.transition(
            actor=ent,
            hazard=old,
            action="rectify",
            note="ok",
            photos=[SimpleUploadedFile("a.png", png())],
        )
        old = services.transition(actor=ent2, hazard=old, action="verify")
        old = services.transition(actor=ent2, hazard=old, action="close")
    assert summary.mismatches() == []
    assert_board_is_direct(users["enterprise"], t0 + dt.timedelta(days=21))


def test_rebuild_repairs_and_check_command_reports(users, world, capsys):
    h = services.report_hazard(actor=users["enterprise"], enterprise=world[0], title="测试：修复")
    HazardOpenCount.objects.filter(enterprise=world[0]).update(n=99)  # damage it
    assert summary.mismatches()
    with pytest.raises(CommandError) as err:
        call_command("hazard_summary", "check")
    assert err.value.returncode == 1
    call_command("hazard_summary", "rebuild", "--snapshot-days", "3")
    assert summary.mismatches() == []
    call_command("hazard_summary", "check")
    out = capsys.readouterr().out
    assert json.loads(out.strip().splitlines()[-1]) == {"mismatches": [], "count": 0}
    assert HazardDailySnapshot.objects.filter(enterprise__isnull=True).count() == 3
    assert h.pk


def test_snapshots_feed_the_trend_and_match_the_hazards(users, world):
    ent = users["enterprise"]
    now = timezone.now().replace(microsecond=0)
    with clock.frozen(now - dt.timedelta(days=9)):
        services.report_hazard(actor=ent, enterprise=world[0], title="测试：趋势")
    with clock.frozen(now):
        written = summary.take_due_snapshots(days=21)
    assert len(written) == 21
    yesterday = summary.local_day(now) - dt.timedelta(days=1)
    for name in ("office", "enterprise", "inspector", "township"):
        user = users[name]
        ents = list(selectors.enterprises_in_scope(user).values_list("pk", flat=True))
        if name in ("inspector", "township"):  # government scopes get their own rows
            assert HazardScopeSnapshot.objects.filter(
                day=yesterday, scope=summary.scope_digest(ents)
            ).exists()
        with clock.frozen(now):
            by_scope = summary.snapshot_figures(user, [yesterday], scope_ids=ents)[yesterday]
            by_enterprise = summary.snapshot_figures(user, [yesterday])[yesterday]
        HazardDailySnapshot.objects.filter(day=yesterday).delete()  # now computed directly
        with clock.frozen(now):
            direct = summary.snapshot_figures(user, [yesterday])[yesterday]
        assert by_scope == by_enterprise == direct, name
        if name != "township":
            assert direct["open"] > 0, name
        summary.take_snapshot(yesterday, now)
    # A scope that changed since (here: one enterprise fewer) finds no row of its own and is
    # summed from the enterprise rows.
    ents = list(selectors.enterprises_in_scope(users["inspector"]).values_list("pk", flat=True))
    with clock.frozen(now):
        fewer = summary.snapshot_figures(users["inspector"], [yesterday], scope_ids=ents[1:])
    assert fewer[yesterday] == summary.snapshot_figures(users["inspector"], [yesterday])[yesterday]
    with clock.frozen(now):
        board = selectors.board(users["office"])
        again = summary.take_due_snapshots(days=21)
    assert again == [yesterday]  # the others are there already
    open_series = board["trend"]["series"][2]["values"]
    assert open_series[-1] == board["totals"]["open"]
    assert len(open_series) == len(board["trend"]["labels"]) == 13


def test_deleting_a_department_recounts_its_rows(users, world):
    from dixian.core.models import Organisation as Org

    dept = Org.objects.create(name="测试临时部门", kind="department", path="zz-test/")
    h = services.report_hazard(actor=users["enterprise"], enterprise=world[0], title="测试：部门")
    Hazard.objects.filter(pk=h.pk).update(department=dept)
    summary.rebuild([world[0].pk])
    assert HazardOpenCount.objects.filter(department_key=dept.pk).exists()
    dept.delete()
    assert not HazardOpenCount.objects.filter(department_key=dept.pk).exists()
    assert summary.mismatches() == []
