"""Pinglu demo data for the emergency app (called by dixian.core.demo.seed, idempotent).

Plans, drills, teams, reserves and experts are fictional; the bodies that own them are real.
The county has no comprehensive drill this year, so the compliance page shows it as due.
"""

import datetime as dt
from decimal import Decimal

from dixian.core import clock
from dixian.core.models import Organisation

from . import defaults
from .models import (
    Drill,
    DrillAction,
    DutyCall,
    DutyShift,
    Expert,
    Plan,
    PlanRecord,
    RescueTeam,
    ReserveItem,
    TeamEquipment,
    TeamMember,
    Warehouse,
)
from .services import LOCAL


def _org(name):
    return Organisation.objects.filter(name=name).first()


def seed() -> dict:
    defaults.load()
    if Plan.objects.filter(title="平陆县突发事件总体应急预案（示例）").exists():
        return {}
    gov = _org("平陆县人民政府")
    ema = _org("平陆县应急管理局")
    caochuan = _org("曹川镇人民政府")
    plant = _org("山西河源氧化铝有限公司")
    chem = _org("平陆县恒信化工有限公司")
    team_org = _org("平陆县综合应急救援队（示例）") or ema
    if not all([gov, ema, caochuan, plant, chem]):
        return {}
    today = clock.now().astimezone(LOCAL).date()
    plans = [
        (gov, "平陆县突发事件总体应急预案（示例）", "平政发〔2021〕12号", "county_general",
         "comprehensive", dt.date(2021, 6, 1)),
        (ema, "平陆县生产安全事故应急预案（示例）", "平应急发〔2023〕5号", "county_special",
         "special", dt.date(2023, 4, 10)),
        (caochuan, "曹川镇突发事件应急预案（示例）", "", "township", "comprehensive",
         dt.date(2022, 9, 1)),
        (plant, "氧化铝公司生产安全事故综合应急预案（示例）", "", "enterprise", "comprehensive",
         dt.date(2024, 3, 1)),
        (plant, "赤泥堆场溃坝现场处置方案（示例）", "", "enterprise", "on_site",
         dt.date(2024, 3, 1)),
    ]  # fmt: skip
    made = {}
    for owner, title, number, level, kind, published in plans:
        made[title] = Plan.objects.create(
            owner=owner,
            title=title,
            number=number,
            level=level,
            kind=kind,
            published_on=published,
        )
    p = made["氧化铝公司生产安全事故综合应急预案（示例）"]
    PlanRecord.objects.create(
        plan=p, kind="review", on=dt.date(2024, 2, 20), authority="专家组评审"
    )
    PlanRecord.objects.create(
        plan=p, kind="filing", on=dt.date(2024, 3, 20), authority="平陆县应急管理局",
        reference="平应急备〔2024〕18号", result="予以备案",
    )  # fmt: skip
    drills = [
        (plant, made["赤泥堆场溃坝现场处置方案（示例）"], "赤泥堆场溃坝现场处置演练", 60,
         "on_site", "full_scale", 45),
        (chem, None, "液氯泄漏应急疏散演练", 230, "special", "functional", 60),
        (ema, made["平陆县生产安全事故应急预案（示例）"], "危化品事故专项桌面推演", 300,
         "special", "tabletop", 30),
    ]  # fmt: skip
    for org, plan, title, days_ago, scope, form, people in drills:
        d = Drill.objects.create(
            organiser=org,
            plan=plan,
            title=title,
            held_on=today - dt.timedelta(days=days_ago),
            scope=scope,
            form=form,
            participants=people,
            evaluation="演练达到预期目的；通信联络环节响应偏慢。",
        )
        if org == plant:
            DrillAction.objects.create(
                drill=d,
                text="补充配备防爆对讲机并开展联络专项培训",
                owner=plant,
                due_on=today + dt.timedelta(days=20),
            )
    teams = [
        (team_org, "平陆县综合应急救援队（示例）", "professional", "综合救援、水域救援", "34.8330",
         "111.2160", "0359-3500119"),
        (plant, "河源氧化铝企业专职救援队（示例）", "enterprise", "危化品处置、堤坝抢险", "34.8520",
         "111.2320", "0359-3600110"),
        (ema, "平陆蓝天志愿救援队（示例）", "volunteer", "山地搜救、应急转运", "34.8450",
         "111.1950", "13900001234"),
    ]  # fmt: skip
    for org, name, kind, spec, lat, lng, phone in teams:
        t = RescueTeam.objects.create(
            org=org, name=name, kind=kind, specialties=spec, leader="队长（示例）", phone=phone,
            latitude=Decimal(lat), longitude=Decimal(lng),
        )  # fmt: skip
        TeamMember.objects.create(team=t, name="队员甲（示例）", role="副队长", phone="13900002001")
        TeamMember.objects.create(team=t, name="队员乙（示例）", role="队员", skills="急救员证")
        TeamEquipment.objects.create(
            team=t,
            name="应急照明车" if kind == "professional" else "正压式空气呼吸器",
            quantity=2,
            unit="台",
        )  # noqa: E501
    warehouses = [
        (ema, "平陆县应急物资储备库（示例）", "圣人涧镇", "34.8380", "111.2230"),
        (caochuan, "曹川镇应急物资储备点（示例）", "曹川镇政府院内", "34.8920", "111.4980"),
    ]
    items = [
        ("帐篷", "生活类", "顶", 120, 900),
        ("棉被", "生活类", "床", 800, None),
        ("冲锋舟", "救援装备", "艘", 4, None),
        ("发电机", "救援装备", "台", 10, None),
        ("方便食品", "生活类", "箱", 300, 40),
    ]
    for org, name, addr, lat, lng in warehouses:
        w = Warehouse.objects.create(
            org=org, name=name, address=addr, keeper="保管员（示例）", phone="0359-3500200",
            latitude=Decimal(lat), longitude=Decimal(lng),
        )  # fmt: skip
        for iname, cat, unit, qty, expiry_days in items[: 5 if org == ema else 3]:
            ReserveItem.objects.create(
                warehouse=w,
                name=iname,
                category=cat,
                unit=unit,
                quantity=Decimal(qty if org == ema else qty // 4),
                expires_on=today + dt.timedelta(days=expiry_days) if expiry_days else None,
            )
    for name, spec, employer, lat, lng in [
        ("张工（示例）", "危险化学品", "运城市化工设计院（示例）", "34.8400", "111.2200"),
        ("刘工（示例）", "矿山安全", "平陆县煤炭工程中心（示例）", "34.8900", "111.4800"),
        ("陈医生（示例）", "紧急医学救援", "平陆县人民医院（示例）", "34.8360", "111.2120"),
    ]:
        Expert.objects.create(
            org=ema, name=name, specialty=spec, employer=employer, phone="13900003001",
            latitude=Decimal(lat), longitude=Decimal(lng),
        )  # fmt: skip
    # 24-hour roster of the county duty room, one day left open (a gap flagged ahead).
    start = dt.datetime.combine(today, dt.time(8, 0), tzinfo=LOCAL) - dt.timedelta(days=1)
    for i in range(9):
        if i == 5:
            continue
        s = start + dt.timedelta(days=i)
        DutyShift.objects.get_or_create(
            org=ema,
            starts_at=s,
            defaults={
                "ends_at": s + dt.timedelta(days=1),
                "leader": ["李副局长（示例）", "王副局长（示例）", "赵局长（示例）"][i % 3],
                "officers": "郑值班（示例）、值班员甲（示例）",
                "phone": "0359-3500110",
            },
        )
    now = clock.now()
    DutyCall.objects.create(
        org=ema, at=now - dt.timedelta(hours=3), caller="曹川镇值班室", phone="0359-3600000",
        category="disaster", summary="曹川镇川口村附近道路落石，已设置警示。",
        action_taken="通知县交运局、公路段到场处置。",
    )  # fmt: skip
    DutyCall.objects.create(
        org=ema, at=now - dt.timedelta(hours=20), caller="市应急局值班室", phone="0359-2000000",
        category="instruction", summary="转发强降雨预警，要求加强值守。",
        action_taken="已报县领导，并通知各乡镇。",
    )  # fmt: skip
    return {"emergency_plans": len(plans), "drills": len(drills)}
