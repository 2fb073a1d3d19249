"""Pinglu demo data for the alerts app (called by dixian.core.demo.seed, idempotent).

The 叫应 directory of 曹川镇 (fictional cadres and villages beside the real township), a
reservoir and a check dam, the demo account ``mine`` of the coal mine 平陆县鸿岭煤业有限公司
（基建矿井）, and one past yellow rainstorm warning with its 叫应 record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

TOWNSHIP_CODE = "140829104"  # 曹川镇
MINE = "平陆县鸿岭煤业有限公司（基建矿井）"
# (code, name, lat, lng): fictional villages of 曹川镇 (川口村 comes with the core demo).
VILLAGES = [
    ("140829104202", "东坡村（示例）", "34.9050", "111.4850"),
    ("140829104203", "西沟村（示例）", "34.8750", "111.5150"),
]
# village name → (flood-control person, mobile, deputy, deputy mobile)
CADRES = {
    "川口村（示例）": ("张立军（示例）", "13911040101", "刘秀英（示例）", "13911040102"),
    "东坡村（示例）": ("王建华（示例）", "13911040201", "陈玉梅（示例）", "13911040202"),
    "西沟村（示例）": ("李红旗（示例）", "13911040301", "赵小燕（示例）", "13911040302"),
}


def seed() -> dict:
    from dixian.core.models import Division, Organisation

    if Organisation.objects.filter(name="曹川镇东坡村水库（示例）管理站").exists():
        return {"alerts": 0}
    township = Division.objects.filter(code=TOWNSHIP_CODE).first()
    if township is None:
        return {"alerts": 0}
    with transaction.atomic():
        return _seed(township)


def _seed(township) -> dict:
    from dixian.core.choices import DivisionLevel, OrgKind, PositionKind, Role
    from dixian.core.demo import DEMO_PASSWORD
    from dixian.core.models import Division, Organisation, Person, Position, User

    from .models import ContactEntry, TargetRole

    gov = Organisation.objects.get(kind=OrgKind.TOWNSHIP_GOVERNMENT, division=township)
    county_gov = Organisation.objects.filter(kind=OrgKind.GOVERNMENT).order_by("pk").first()

    def person(name, org, mobile, title, kind):
        p, _new = Person.objects.get_or_create(
            name=name, org=org, defaults={"mobile": mobile, "title": title}
        )
        if not p.positions.filter(kind=kind, org=org).exists():
            Position.objects.create(person=p, org=org, kind=kind, title=title)
        return p

    leader = person(
        "韩副县长（示例）", county_gov, "13911049001", "分管防汛副县长", PositionKind.DEPUTY
    )
    principal = person("马镇长（示例）", gov, "13911040001", "镇长", PositionKind.PRINCIPAL)
    deputy = person("杜副镇长（示例）", gov, "13911040002", "分管应急副镇长", PositionKind.DEPUTY)
    ContactEntry.objects.create(
        division=township,
        role=TargetRole.TOWNSHIP_PRINCIPAL,
        person=principal,
        deputy=deputy,
        superior=leader,
        org=gov,
    )
    villages = {v.name: v for v in Division.objects.filter(parent=township)}
    for code, name, lat, lng in VILLAGES:
        v, _new = Division.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": DivisionLevel.VILLAGE,
                "parent": township,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
            },
        )
        villages[name] = v
    for name, (flood, mobile, dep, dep_mobile) in CADRES.items():
        v = villages.get(name)
        if v is None:
            continue
        committee = Organisation.objects.filter(
            kind=OrgKind.VILLAGE_COMMITTEE, division=v
        ).first() or Organisation.objects.create(
            name=f"{name.replace('（示例）', '')}村民委员会（示例）",
            kind=OrgKind.VILLAGE_COMMITTEE,
            parent=gov,
            division=v,
            short_name=name,
        )
        p = person(flood, committee, mobile, "村防汛责任人", PositionKind.FLOOD_CONTROL)
        d = person(dep, committee, dep_mobile, "村委委员", PositionKind.STAFF)
        ContactEntry.objects.create(
            division=v,
            role=TargetRole.VILLAGE_FLOOD,
            person=p,
            deputy=d,
            superior=principal,
            org=committee,
        )
    station = Organisation.objects.create(
        name="曹川镇东坡村水库（示例）管理站",
        kind=OrgKind.OTHER,
        parent=gov,
        division=villages.get("东坡村（示例）", township),
    )
    keeper = person("孟守库（示例）", station, "13911040401", "水库责任人", PositionKind.PRINCIPAL)
    ContactEntry.objects.create(
        division=villages.get("东坡村（示例）", township),
        role=TargetRole.RESERVOIR,
        facility="东坡村水库（示例）",
        person=keeper,
        deputy=None,
        superior=principal,
        org=station,
    )
    dam_keeper = person("薛看坝（示例）", gov, "13911040501", "淤地坝责任人", PositionKind.OTHER)
    ContactEntry.objects.create(
        division=villages.get("西沟村（示例）", township),
        role=TargetRole.CHECK_DAM,
        facility="西沟淤地坝（示例）",
        person=dam_keeper,
        superior=principal,
        org=gov,
    )
    mine = Organisation.objects.filter(name=MINE).first()
    users = 0
    if mine is not None and not User.objects.filter(username="mine").exists():
        p = person(
            "高矿安（示例）", mine, "13911040601", "安全副矿长", PositionKind.SAFETY_DIRECTOR
        )
        user = User(
            username="mine",
            display_name="高矿安（示例）",
            role=Role.ENTERPRISE_MANAGER,
            org=mine,
            person=p,
            email="mine@demo.invalid",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users = 1
    past = _past_warning(township)
    return {"alerts": 1, "alerts_users": users, "alerts_past_warning": past}


def _past_warning(township) -> int:
    """A yellow rainstorm warning of three days ago, released, mostly answered, expired.

    Written as plain rows (demo history, not actions anyone took), so the demo leaves the
    audit chain as the core demo made it.
    """
    from dixian.core import clock
    from dixian.core.models import Organisation, User

    from . import services
    from .models import (
        EventKind,
        TargetState,
        Warning,
        WarningEvent,
        WarningState,
        WarningTarget,
    )

    drafter = User.objects.filter(username="duty").first()
    approver = User.objects.filter(username="office").first()
    if drafter is None or approver is None:
        return 0
    start = clock.now().replace(microsecond=0) - dt.timedelta(days=3)
    w = Warning.objects.create(
        number=f"PL-{start.year}-0000",
        kind="rainstorm",
        level="yellow",
        headline="平陆县气象台发布暴雨黄色预警信号（示例）",
        text="预计未来6小时曹川镇降雨量将达50毫米以上，请做好防范。",
        area_desc=township.name,
        roles=["township_principal", "village_flood", "reservoir", "check_dam"],
        effective_at=start,
        expires_at=start + dt.timedelta(hours=12),
        wake_minutes=10,
        state=WarningState.EXPIRED,
        issuer=drafter.org or Organisation.objects.order_by("pk").first(),
        drafter=drafter,
        drafted_at=start - dt.timedelta(minutes=8),
        approver=approver,
        approved_at=start - dt.timedelta(minutes=3),
        released_at=start,
        closed_at=start + dt.timedelta(hours=12),
        close_reason="有效期结束",
    )
    w.divisions.set([township])
    plan, _enterprises = services.plan_targets(w)
    events = []
    for i, p in enumerate(plan):
        answered = i < len(plan) - 1
        at = start + dt.timedelta(minutes=1 + i, seconds=17 * i)
        t = WarningTarget.objects.create(
            warning=w,
            person_id=p.person_id,
            name=p.name,
            mobile=p.mobile,
            role=p.role,
            org_id=p.org_id,
            division_id=p.division_id,
            deputy_id=p.deputy_id,
            superior_id=p.superior_id,
            called_at=start,
            state=TargetState.ACKNOWLEDGED if answered else TargetState.UNANSWERED,
            acknowledged_at=at if answered else None,
            ack_channel="link" if answered else "",
            recalled_at=None if answered else start + dt.timedelta(minutes=10),
            step=0 if answered else 1,
            reply_code=f"{100000 + i}",
        )
        events.append(WarningEvent(warning=w, target=t, at=start, kind=EventKind.CALLED))
        if answered:
            events.append(
                WarningEvent(
                    warning=w, target=t, at=at, kind=EventKind.ACKNOWLEDGED, channel="link"
                )
            )
        else:
            events.append(
                WarningEvent(
                    warning=w,
                    target=t,
                    at=start + dt.timedelta(minutes=10),
                    kind=EventKind.RECALLED,
                    channel="voice",
                )
            )
    WarningEvent.objects.bulk_create(events)
    return 1
