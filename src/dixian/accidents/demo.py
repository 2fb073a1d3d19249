"""Pinglu demo data for the accidents app (called by dixian.core.demo.seed, idempotent).

Fictional accidents at fictional enterprises, recorded through the services (so the clocks,
the audit chain and the outbox are the real ones) at controlled past times.
"""

import datetime as dt
from decimal import Decimal

from dixian.core import clock
from dixian.core.models import Industry, Organisation, User

from . import services
from .models import (
    Accident,
    AccountabilityDecision,
    Bulletin,
    FourNoItem,
    Investigation,
)

TITLE = "平陆县福源面粉有限公司机械伤害事故（示例）"


def _report(duty, unit, title, occurred, *, learned_after, received_after, **figures):
    acc = Accident(
        title=title,
        unit=unit,
        unit_overview=f"{unit.name}，从业人员约120人。",
        occurred_at=occurred,
        place=figures.pop("place", "生产车间"),
        course=figures.pop("course", "作业人员违章操作，被卷入设备。"),
        measures="立即停机、救治伤员、保护现场，已停产整顿。",
        learned_at=occurred + learned_after,
        received_at=occurred + learned_after + received_after,
        reporter="企业安全负责人（示例）",
        reporter_phone="13910000010",
        **figures,
    )
    with clock.frozen(acc.received_at):
        return services.report_accident(actor=duty, accident=acc)


def seed() -> dict:
    if Accident.objects.filter(title=TITLE).exists():
        return {}
    duty = User.objects.filter(username="duty").first()
    office = User.objects.filter(username="office").first()
    flour = Organisation.objects.filter(name="平陆县福源面粉有限公司").first()
    plant = Organisation.objects.filter(name="山西河源氧化铝有限公司").first()
    bus = Organisation.objects.filter(name="平陆县顺安客运有限公司").first()
    if not all([duty, office, flour, plant, bus]):
        return {}
    now = clock.now()
    h = dt.timedelta(hours=1)
    a1 = _report(
        duty, flour, TITLE, now - dt.timedelta(days=45), learned_after=0.1 * h,
        received_after=0.5 * h, deaths=1, direct_loss_yuan=Decimal("1500000"),
    )  # fmt: skip
    with clock.frozen(a1.received_at + 1.5 * h):
        services.forward(actor=duty, accident=a1)
    with clock.frozen(a1.received_at + 24 * h):
        inv = services.start_investigation(
            actor=office,
            accident=a1,
            inv=Investigation(
                lead="县应急管理局副局长（示例）",
                members="县应急局、县公安局、县总工会、县工科局",
                started_on=(a1.occurred_at + dt.timedelta(days=1)).date(),
            ),
        )
        services.add_evidence(
            actor=office, inv=inv, item=FourNoItem.CAUSE, evidence="技术组现场勘验报告（示例）"
        )
    AccountabilityDecision.objects.create(
        accident=a1, org=flour, measure="fine", fine_yuan=Decimal("200000"),
        detail="依据《生产安全事故罚款处罚规定》处罚（示例）", decided_on=now.date(),
        decided_by="平陆县应急管理局",
    )  # fmt: skip
    a2 = _report(
        duty, plant, "山西河源氧化铝有限公司灼烫事故（示例）", now - dt.timedelta(days=20),
        learned_after=0.2 * h, received_after=1.5 * h, serious_injuries=2,
        direct_loss_yuan=Decimal("300000"), place="溶出车间", course="检修时高温碱液喷出。",
    )  # fmt: skip
    with clock.frozen(a2.received_at + 3 * h):  # forwarded an hour late: 迟报
        services.forward(actor=duty, accident=a2)
    _report(
        duty, bus, "顺安客运班车侧翻较大涉险事故（示例）", now - dt.timedelta(hours=1),
        learned_after=0.1 * h, received_after=0.3 * h, kind="near_miss",
        category="road_traffic", endangered=23, serious_injuries=0, place="国道209线",
        course="班车避让落石时侧翻，23名乘客被困后全部救出。",
    )  # fmt: skip
    b = Bulletin.objects.create(
        accident=a1,
        title="关于平陆县福源面粉有限公司机械伤害事故的通报（示例）",
        body="各有关企业要深刻吸取事故教训，立即开展设备防护装置专项排查。",
        issuer=office.org,
    )
    b.industries.set(Industry.objects.filter(code__in=["light_industry", "dust_explosion"]))
    services.send_bulletin(actor=office, bulletin=b)
    return {"accidents": 3}
