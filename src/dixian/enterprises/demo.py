"""Pinglu demo data for the enterprises app (called by dixian.core.demo.seed, idempotent).

Profiles, industry details, grades and licences for the fictional demo enterprises of
``core/demo.py``; the licence types recorded by 县行政审批局, and its demo account
``approval``. Credit codes are made up (valid by GB 32100, assigned to nobody).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dixian.core import clock
from dixian.core.choices import OrgKind, PositionKind, Role
from dixian.core.demo import DEMO_PASSWORD
from dixian.core.models import Industry, Organisation, Person, Position, User
from dixian.standards import uscc

LICENCE_TYPES = [
    # code, name, industries, validity years
    ("safety_production", "安全生产许可证", ["mining", "hazchem", "construction", "fireworks"], 3),
    ("hazchem_trade", "危险化学品经营许可证", ["hazchem"], 3),
    ("fireworks_trade", "烟花爆竹经营许可证", ["fireworks"], 3),
    ("mining_right", "采矿许可证", ["mining"], 10),
    ("construction_permit", "建筑工程施工许可证", ["construction"], None),
    ("gas_operation", "燃气经营许可证", ["gas"], 3),
    ("road_transport", "道路运输经营许可证", ["transport"], 4),
]

# name → (profile values, details)
PROFILES = {
    "平陆县鸿岭煤业有限公司（基建矿井）": (
        {
            "scale": "above",
            "staff_count": 320,
            "status": "construction",
            "principal": "负责人01（示例）",
        },
        {
            "mine": {
                "mine_type": "coal",
                "mining_method": "underground",
                "gas_grade": "low",
                "capacity": "90",
            }
        },
    ),
    "山西晟泰煤业有限公司平陆分公司（基建矿井）": (
        {"scale": "above", "staff_count": 280, "status": "construction"},
        {
            "mine": {
                "mine_type": "coal",
                "mining_method": "underground",
                "gas_grade": "high",
                "capacity": "120",
            }
        },
    ),
    "平陆县北岭煤业有限公司（基建矿井）": (
        {"scale": "above", "staff_count": 150, "status": "suspended"},
        {
            "mine": {
                "mine_type": "coal",
                "mining_method": "underground",
                "gas_grade": "low",
                "capacity": "60",
            }
        },
    ),
    "平陆县中岳铝土矿有限公司": (
        {"scale": "below", "staff_count": 85, "status": "operating"},
        {"mine": {"mine_type": "metal", "mining_method": "open_pit", "capacity": "30"}},
    ),
    "山西河源氧化铝有限公司": (
        {"scale": "above", "staff_count": 1200, "status": "operating", "major_hazard_source": True},
        {
            "hazchem": {
                "products": "液氨、烧碱、天然气",
                "processes": "—",
                "major_hazard_grade": "3",
            }
        },
    ),
    "山西河源氧化铝有限公司赤泥堆场": (
        {"scale": "above", "staff_count": 40, "status": "operating"},
        {
            "tailings": {
                "pond_kind": "red_mud",
                "pond_grade": "3",
                "capacity": "1200",
                "dam_height": "45",
                "pond_state": "in_use",
                "operator_exists": True,
            }
        },
    ),
    "平陆县恒信化工有限公司": (
        {"scale": "below", "staff_count": 60, "status": "operating", "major_hazard_source": True},
        {
            "hazchem": {
                "products": "甲醇、液化石油气",
                "processes": "氯化工艺",
                "major_hazard_grade": "4",
            }
        },
    ),
    "平陆县安泰精细化工有限公司": (
        {"scale": "below", "staff_count": 45, "status": "operating"},
        {"hazchem": {"products": "硫酸、盐酸", "processes": ""}},
    ),
    "平陆县宏达燃气有限公司": (
        {"scale": "below", "staff_count": 70, "status": "operating"},
        {"gas": {"gas_kind": "pipeline", "households": 18000, "pipeline_km": "126.5"}},
    ),
    "平陆县城南棚户区改造项目（示例工地）": (
        {"scale": "below", "staff_count": 210, "status": "construction"},
        {
            "construction": {
                "project": "城南棚户区改造一期",
                "contractor": "山西示例建设集团有限公司",
                "cost": "18600",
            }
        },
    ),
    "运三高速连接线桥梁工程（示例工地）": (
        {"scale": "above", "staff_count": 160, "status": "construction"},
        {
            "construction": {
                "project": "运三高速连接线黄河支沟大桥",
                "contractor": "示例路桥工程有限公司",
                "cost": "42000",
            }
        },
    ),
    "平陆县黄河湾风景区（示例）": (
        {"scale": "below", "staff_count": 55, "status": "operating"},
        {"crowded": {"place_kind": "scenic", "max_people": 6000}},
    ),
    "平陆县顺安客运有限公司": ({"scale": "below", "staff_count": 90, "status": "operating"}, {}),
    "平陆县金诚烟花爆竹批发有限公司": (
        {"scale": "below", "staff_count": 12, "status": "operating"},
        {},
    ),
    "平陆县福源面粉有限公司": ({"scale": "below", "staff_count": 35, "status": "operating"}, {}),
}

# enterprise, licence type code, number, days until expiry (negative: expired), scope
LICENCES = [
    (
        "平陆县中岳铝土矿有限公司",
        "safety_production",
        "（晋）FM安许证字〔2021〕Y0831",
        20,
        "铝土矿露天开采",
    ),
    ("平陆县中岳铝土矿有限公司", "mining_right", "C1400002011051120000001", 1500, "铝土矿"),
    (
        "平陆县恒信化工有限公司",
        "hazchem_trade",
        "晋运危化经字〔2023〕000101",
        400,
        "甲醇、液化石油气（不带储存设施）",
    ),
    (
        "平陆县金诚烟花爆竹批发有限公司",
        "fireworks_trade",
        "（晋）YH批字〔2023〕0006",
        200,
        "烟花爆竹批发",
    ),
    (
        "平陆县北岭煤业有限公司（基建矿井）",
        "safety_production",
        "（晋）MK安许证字〔2020〕0412",
        -10,
        "煤炭开采",
    ),
    (
        "平陆县城南棚户区改造项目（示例工地）",
        "construction_permit",
        "140829202403150101",
        300,
        "城南棚户区改造一期",
    ),
    ("平陆县宏达燃气有限公司", "gas_operation", "晋202414082900012", 700, "管道燃气"),
]


def demo_credit_code(i: int) -> str:
    body = f"9114082{9}MA0K{i:05d}"
    return body + uscc.check_character(body)


def seed() -> dict:
    from . import grading
    from .models import EnterpriseProfile, Licence, LicenceType
    from .services import _schedule, regrade

    grading.ensure_defaults()
    approval_bureau = Organisation.objects.filter(short_name="县行政审批局").first()
    industries = {i.code: i for i in Industry.objects.all()}
    types = {}
    for sort, (code, name, inds, years) in enumerate(LICENCE_TYPES):
        t, new = LicenceType.objects.get_or_create(
            code=code, defaults={"name": name, "validity_years": years, "sort": sort}
        )
        if new:
            t.industries.set([industries[c] for c in inds if c in industries])
            if approval_bureau:
                t.issuers.add(approval_bureau)
        types[code] = t
    created = {"enterprise_profiles": 0, "licences": 0}
    enterprises = {
        o.name: o for o in Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name__in=PROFILES)
    }
    new_profiles = []
    for i, (name, (values, details)) in enumerate(PROFILES.items(), start=1):
        org = enterprises.get(name)
        if org is None or EnterpriseProfile.objects.filter(org=org).exists():
            continue
        if not org.credit_code:
            Organisation.objects.filter(pk=org.pk).update(credit_code=demo_credit_code(i))
        new_profiles.append(
            EnterpriseProfile.objects.create(
                org=org,
                legal_representative=f"法人{i:02d}（示例）",
                principal=values.get("principal", f"负责人{i:02d}（示例）"),
                principal_phone=f"139100000{i + 9:02d}",
                scale=values["scale"],
                staff_count=values["staff_count"],
                status=values["status"],
                major_hazard_source=values.get("major_hazard_source", False),
                details=details,
            )
        )
        created["enterprise_profiles"] += 1
    if new_profiles:
        regrade(profiles=new_profiles)
    now = clock.now()
    today = timezone.localtime(now).date()
    for ent_name, code, number, days, scope in LICENCES:
        org = enterprises.get(ent_name)
        if org is None or Licence.objects.filter(type=types[code], number=number).exists():
            continue
        valid_to = today + dt.timedelta(days=days)
        years = types[code].validity_years or 2
        lic = Licence(
            enterprise=org,
            type=types[code],
            number=number,
            issuer="平陆县行政审批服务管理局",
            scope=scope,
            valid_from=valid_to.replace(year=valid_to.year - years),
            valid_to=valid_to,
            status="expired" if days < 0 else "valid",
            recorded_by_org=approval_bureau,
        )
        _schedule(lic, now)
        lic.save()
        created["licences"] += 1
    if approval_bureau and not User.objects.filter(username="approval").exists():
        person = Person.objects.create(
            name="冯审批（示例）", org=approval_bureau, mobile="13900000010", title="审批科员"
        )
        Position.objects.create(
            person=person, org=approval_bureau, kind=PositionKind.STAFF, title="审批科员"
        )
        user = User(
            username="approval",
            display_name="冯审批（示例）",
            role=Role.INSPECTOR,
            org=approval_bureau,
            person=person,
            email="approval@demo.invalid",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        created["users_approval"] = 1
    return created
