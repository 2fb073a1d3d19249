"""Pinglu demo data for the prevention app (called by dixian.core.demo.seed, idempotent).

Fictional risk points, a drawn site plan, a major hazard source, hidden hazards in every
state (one major hazard listed for supervision) and a public report, so that the pages are
alive for every demo account. Adds ``enterprise2``, a second safety manager of the alumina
plant (the colleague who verifies what ``enterprise`` rectified).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.db import transaction

from dixian.core import clock
from dixian.core.choices import OrgKind, PositionKind, Role
from dixian.core.demo import DEMO_PASSWORD
from dixian.core.models import Division, Organisation, Person, Position, User

from . import services
from .models import (
    Filing,
    Hazard,
    HazardLevel,
    HazardSource,
    Inventory,
    MajorHazardSource,
    RiskPoint,
    SitePlan,
)

ALUMINA = "山西河源氧化铝有限公司"
CHEMICAL = "平陆县恒信化工有限公司"
FINE_CHEM = "平陆县安泰精细化工有限公司"

POINTS = [
    # enterprise, name, kind, location, method, factors, control level, check items, (x, y)
    (
        ALUMINA,
        "溶出车间高压溶出器",
        "equipment",
        "溶出车间一层",
        "lec",
        (6, 6, 15),
        "company",
        "安全阀校验在有效期内\n压力表指示正常\n高温管道保温完好",
        (260, 180),
    ),
    (
        ALUMINA,
        "焙烧炉煤气系统",
        "equipment",
        "焙烧车间",
        "lec",
        (3, 6, 15),
        "department",
        "煤气报警仪运行正常\n盲板及水封完好",
        (520, 150),
    ),
    (
        ALUMINA,
        "液碱储罐区",
        "place",
        "原料罐区",
        "ls",
        (3, 3),
        "workshop",
        "围堰无破损\n洗眼器可用",
        (160, 380),
    ),
    (
        ALUMINA,
        "行车吊运作业",
        "activity",
        "检修车间",
        "lec",
        (3, 3, 7),
        "team",
        "钢丝绳无断丝\n限位器有效",
        (600, 380),
    ),
    (
        CHEMICAL,
        "液氨储罐",
        "equipment",
        "罐区",
        "lec",
        (6, 6, 40),
        "company",
        "紧急切断阀可用\n液位计显示正常\n喷淋系统可用",
        None,
    ),
    (
        CHEMICAL,
        "装卸车作业",
        "activity",
        "装卸站台",
        "ls",
        (3, 4),
        "department",
        "万向管道充装系统完好\n静电接地可靠",
        None,
    ),
    (
        FINE_CHEM,
        "反应釜区",
        "equipment",
        "一车间",
        "lec",
        (3, 6, 7),
        "workshop",
        "温度联锁正常",
        None,
    ),
]


def _plan_png() -> bytes:
    """A simple drawn site plan (buildings, roads) as PNG."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (800, 500), "#f4f6f8")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 230, 800, 270], fill="#d9dee4")
    d.rectangle([380, 0, 420, 500], fill="#d9dee4")
    for box in ([60, 60, 340, 210], [460, 60, 740, 210], [60, 300, 340, 460], [460, 300, 740, 460]):
        d.rectangle(box, outline="#5f6b7a", width=3, fill="#ffffff")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _user(username, display, org, mobile):
    user = User.objects.filter(username=username).first()
    if user:
        return user
    person = Person.objects.create(name=display, org=org, mobile=mobile, title="安全员")
    Position.objects.create(person=person, org=org, kind=PositionKind.SAFETY_STAFF, title="安全员")
    user = User(
        username=username,
        display_name=display,
        role=Role.ENTERPRISE_MANAGER,
        org=org,
        person=person,
        email=f"{username}@demo.invalid",
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed() -> dict:
    alumina = Organisation.objects.filter(name=ALUMINA, kind=OrgKind.ENTERPRISE).first()
    if alumina is None:
        return {}
    enterprise2 = _user("enterprise2", "冯安全（示例）", alumina, "13900000010")
    if RiskPoint.objects.filter(enterprise=alumina).exists():
        return {}
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=[ALUMINA, CHEMICAL, FINE_CHEM])}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["enterprise", "enterprise2", "inspector", "office"]
        )
    }
    plan = SitePlan.objects.create(
        enterprise=alumina,
        title="厂区总平面图（示例）",
        image=_plan_png(),
        content_type="image/png",
        width=800,
        height=500,
        uploaded_at=clock.now(),
    )
    now = clock.now()
    made = []
    for ent, name, kind, location, method, factors, control, items, xy in POINTS:
        org = orgs.get(ent)
        if org is None:
            continue
        point = RiskPoint(
            enterprise=org,
            name=name,
            kind=kind,
            location=location,
            hazard_factors="高温、高压、介质泄漏",
            possible_accidents="灼烫、容器爆炸、中毒和窒息",
            method=method,
            factor_l=Decimal(factors[0]),
            factor_e=Decimal(factors[1]) if method == "lec" else None,
            factor_c=Decimal(factors[2]) if method == "lec" else None,
            factor_s=Decimal(factors[1]) if method == "ls" else None,
            measures_engineering="设置安全阀、压力联锁和紧急泄放装置",
            measures_management="执行设备点检和交接班制度",
            measures_training="岗位人员每年培训并考核",
            measures_ppe="防护面罩、隔热手套、安全帽",
            measures_emergency="泄漏时立即切断进料，按现场处置方案撤离",
            control_level=control,
            check_items=items,
            review_due=now + dt.timedelta(days=180),
        )
        services.grade_point(point)
        if xy and org == alumina:
            point.site_plan, point.plan_x, point.plan_y = plan, float(xy[0]), float(xy[1])
        point.save()
        made.append(point)

    chem = orgs.get(CHEMICAL)
    if chem is not None:
        principal = chem.positions.filter(kind=PositionKind.PRINCIPAL).first()
        src = MajorHazardSource.objects.create(
            enterprise=chem,
            name="液氨罐区（示例）",
            unit_type="storage",
            exposed_people=60,
            principal=principal.person if principal else None,
        )
        Inventory.objects.create(
            source=src, substance="氨", cas="7664-41-7", quantity_t=Decimal("40")
        )
        Inventory.objects.create(
            source=src,
            substance="甲醇",
            cas="67-56-1",
            categories="W5.3",
            quantity_t=Decimal("300"),
        )
        services.mhs_recompute(src)
        Filing.objects.create(
            source=src,
            filed_on=dt.date(2024, 3, 15),
            authority="平陆县应急管理局",
            number="平应急危备〔2024〕3号",
            valid_until=dt.date(2027, 3, 14),
        )

    ent1, ent2, insp = users.get("enterprise"), enterprise2, users.get("inspector")
    today = services.local_today()
    # General hazards in several states at the alumina plant.
    services.report_hazard(
        actor=ent1, enterprise=alumina, title="溶出车间平台护栏松动", location="溶出车间二层平台"
    )
    h2 = services.report_hazard(
        actor=ent1, enterprise=alumina, title="配电室灭火器过期", location="1号配电室"
    )
    services.transition(
        actor=ent1, hazard=h2, action="assign", due_date=today + dt.timedelta(days=7)
    )
    services.transition(actor=ent1, hazard=h2, action="start")
    h3 = services.report_hazard(
        actor=insp, enterprise=alumina, title="焙烧车间煤气报警仪未校验", location="焙烧车间"
    )
    services.transition(
        actor=insp, hazard=h3, action="assign", due_date=today + dt.timedelta(days=3)
    )
    # An overdue one (deadline passed three days ago).
    Hazard.objects.filter(pk=h3.pk).update(
        due_at=now - dt.timedelta(days=3), next_escalation_at=now - dt.timedelta(days=3)
    )
    # Closed ones over the past weeks (the trend and the on-time rate).
    for weeks, title in ((2, "检修通道堆放杂物"), (5, "行车限位器失灵"), (8, "洗眼器水压不足")):
        h = services.report_hazard(actor=ent1, enterprise=alumina, title=title)
        services.transition(actor=ent1, hazard=h, action="assign", due_date=today)
        services.transition(actor=ent1, hazard=h, action="start")
        from django.core.files.uploadedfile import SimpleUploadedFile

        photo = SimpleUploadedFile("after.png", _plan_png(), content_type="image/png")
        services.transition(actor=ent1, hazard=h, action="rectify", note="已整改", photos=[photo])
        services.transition(actor=ent2, hazard=h, action="verify")
        services.transition(actor=ent2, hazard=h, action="close")
        back = now - dt.timedelta(weeks=weeks)
        Hazard.objects.filter(pk=h.pk).update(found_at=back, closed_at=back + dt.timedelta(days=2))
    # A major hazard at the alumina plant: double-reported, listed for supervision.
    major = services.report_hazard(
        actor=ent1,
        enterprise=alumina,
        title="焙烧车间煤气区域可燃气体报警装置缺失",
        location="焙烧车间煤气加压站",
        level=HazardLevel.MAJOR,
        criteria_codes=["chemical-12"],
    )
    services.transition(actor=ent1, hazard=major, action="report")
    services.transition(
        actor=insp,
        hazard=major,
        action="list",
        deadline=today + dt.timedelta(days=60),
        requirements="立即制定治理方案，落实“五落实”；治理期间加强巡检，必要时局部停产。",
    )
    # Other townships and industries, so the board has rows everywhere.
    for name, title in (
        ("平陆县中岳铝土矿有限公司", "井下避灾路线标识缺失"),
        ("平陆县鸿岭煤业有限公司（基建矿井）", "局部通风机未挂牌管理"),
        ("平陆县城南棚户区改造项目（示例工地）", "基坑临边防护缺失"),
    ):
        org = Organisation.objects.filter(name=name).first()
        if org is not None:
            services.open_hazard_from_source(
                enterprise=org, title=title, source=HazardSource.INSPECTION, reported_by=insp
            )
    township = Division.objects.filter(name="三门镇").first()
    if township is not None:
        services.public_report_submit(
            township=township,
            enterprise=chem,
            place="恒信化工厂区东侧围墙外",
            description="夜间闻到刺鼻气味，疑似氨泄漏。",
            ip="198.51.100.7",
        )
    # The demo back-dates some hazards with direct updates (past deadlines and closures), so
    # the board's summary is recounted from the hazards.
    from . import summary

    summary.rebuild()
    return {"risk_points": len(made), "hazards": Hazard.objects.count()}
