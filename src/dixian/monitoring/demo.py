"""Pinglu demo data for the monitoring app (called by dixian.core.demo.seed, idempotent).

Fictional monitored objects, gateways and points at the fictional demo enterprises. Demo
gateways have known tokens (``demo_token(code)``) so the simulator can feed them.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db import transaction

from dixian.core import clock
from dixian.core.models import Organisation

from .models import DEFAULT_UNITS, Gateway, LinkState, MonitoredObject, ObjectKind, Point, PointKind
from .thresholds import prefill_rules

DEMO_TOKEN_PREFIX = "demo-token-"


def demo_token(code: str) -> str:
    return f"{DEMO_TOKEN_PREFIX}{code}"


# enterprise name → [(object name, kind, location, gateway code, gateway name,
#                     [(point code, name, kind, location, item, range, typical value)])]
PLANTS = {
    "平陆县鸿岭煤业有限公司（基建矿井）": [
        (
            "鸿岭煤业井下安全监控系统",
            ObjectKind.COAL_MINE,
            "主斜井、2101 工作面",
            "hl-kj",
            "鸿岭煤业 KJ 监控分站",
            [
                ("hl-ch4-t0", "2101 工作面上隅角甲烷", PointKind.CH4, "T0", "", (0, 4), 0.32),
                ("hl-ch4-t1", "2101 工作面甲烷", PointKind.CH4, "T1", "", (0, 4), 0.28),
                ("hl-ch4-t2", "2101 回风巷甲烷", PointKind.CH4, "T2", "", (0, 4), 0.22),
                ("hl-ch4-t3", "2101 进风巷甲烷", PointKind.CH4, "T3", "", (0, 4), 0.08),
                ("hl-co-1", "2101 回风巷一氧化碳", PointKind.CO, "", "", (0, 500), 4),
                ("hl-o2-1", "2101 工作面氧气", PointKind.O2, "", "", (0, 25), 20.6),
                ("hl-wind-1", "2101 回风巷风速", PointKind.WIND, "", "", (0, 15), 1.8),
                ("hl-temp-1", "2101 工作面温度", PointKind.TEMPERATURE, "", "", (0, 60), 24),
            ],
        )
    ],
    "山西河源氧化铝有限公司": [
        (
            "焙烧车间天然气调压站",
            ObjectKind.MAJOR_HAZARD,
            "焙烧车间东侧",
            "hy-gas",
            "河源氧化铝 调压站采集器",
            [
                ("hy-ch4-1", "调压站甲烷浓度 1#", PointKind.COMBUSTIBLE, "", "", (0, 100), 2),
                ("hy-ch4-2", "调压站甲烷浓度 2#", PointKind.COMBUSTIBLE, "", "", (0, 100), 1.5),
                ("hy-p-1", "调压站出口压力", PointKind.PRESSURE, "", "", (0, 2.5), 0.9),
                ("hy-lv-1", "液碱储罐液位", PointKind.LIQUID_LEVEL, "", "", (0, 12), 6.2),
            ],
        )
    ],
    "山西河源氧化铝有限公司赤泥堆场": [
        (
            "河源赤泥堆场",
            ObjectKind.TAILINGS,
            "圣人涧镇南沟",
            "hy-yard",
            "赤泥堆场在线监测站",
            [
                (
                    "yd-dis-1",
                    "坝体表面位移 1#",
                    PointKind.DAM_DISPLACEMENT,
                    "",
                    "坝体位移",
                    (0, 200),
                    4,
                ),
                (
                    "yd-dis-2",
                    "坝体表面位移 2#",
                    PointKind.DAM_DISPLACEMENT,
                    "",
                    "坝体位移",
                    (0, 200),
                    5,
                ),
                (
                    "yd-dis-3",
                    "坝体表面位移 3#",
                    PointKind.DAM_DISPLACEMENT,
                    "",
                    "坝体位移",
                    (0, 200),
                    3,
                ),
                (
                    "yd-dis-4",
                    "坝体表面位移 4#",
                    PointKind.DAM_DISPLACEMENT,
                    "",
                    "坝体位移",
                    (0, 200),
                    6,
                ),
                ("yd-phr-1", "浸润线埋深 1#", PointKind.PHREATIC, "", "浸润线", (0, 30), 11),
                ("yd-phr-2", "浸润线埋深 2#", PointKind.PHREATIC, "", "浸润线", (0, 30), 12),
                ("yd-beach", "干滩长度", PointKind.DRY_BEACH, "", "干滩", (0, 500), 160),
                ("yd-pond", "库水位", PointKind.POND_LEVEL, "", "库水位", (560, 600), 576),
                ("yd-rain", "降雨量", PointKind.RAINFALL, "", "降雨量", (0, 200), 0),
            ],
        )
    ],
    "平陆县恒信化工有限公司": [
        (
            "液氨罐区（三级重大危险源）",
            ObjectKind.MAJOR_HAZARD,
            "厂区北侧罐区",
            "hx-tank",
            "恒信化工 罐区 DCS 网关",
            [
                ("hx-nh3-1", "罐区氨气浓度", PointKind.TOXIC, "", "", (0, 100), 1.2),
                ("hx-p-1", "1# 液氨储罐压力", PointKind.PRESSURE, "", "", (0, 2.5), 1.05),
                ("hx-t-1", "1# 液氨储罐温度", PointKind.TEMPERATURE, "", "", (-20, 60), 18),
                ("hx-lv-1", "1# 液氨储罐液位", PointKind.LIQUID_LEVEL, "", "", (0, 12), 5.5),
            ],
        )
    ],
    "平陆县宏达燃气有限公司": [
        (
            "县城中压燃气管网",
            ObjectKind.GAS_NETWORK,
            "县城主干道",
            "hd-net",
            "宏达燃气 管网 RTU",
            [
                ("hd-p-1", "门站出口压力", PointKind.PRESSURE, "", "", (0, 1.6), 0.32),
                ("hd-lel-1", "中心街阀井可燃气体", PointKind.COMBUSTIBLE, "", "", (0, 100), 0.5),
            ],
        )
    ],
    "平陆县中岳铝土矿有限公司": [
        (
            "中岳铝土矿露天采场边坡",
            ObjectKind.SLOPE,
            "南帮边坡",
            "zy-slope",
            "中岳铝土矿 边坡 GNSS 基站",
            [
                ("zy-gnss-1", "南帮边坡 GNSS 1#", PointKind.GNSS, "", "", (0, 500), 2),
                ("zy-gnss-2", "南帮边坡 GNSS 2#", PointKind.GNSS, "", "", (0, 500), 3),
                ("zy-rain", "采场降雨量", PointKind.RAINFALL, "", "", (0, 200), 0),
            ],
        )
    ],
}

# The gateway the demo leaves silent, so the offline alarm shows (the simulator skips it).
SILENT_GATEWAY = "zy-slope"


def typical_values() -> dict[str, float]:
    return {
        code: typical
        for objects in PLANTS.values()
        for *_o, points in objects
        for code, _n, _k, _l, _i, _r, typical in points
    }


def signal(typical: float, t: dt.datetime, seed: int) -> float:
    """A plausible value: daily cycle and noise around the typical value."""
    hours = t.hour + t.minute / 60
    rnd = random.Random(hash((seed, int(t.timestamp()) // 60)))
    day = math.sin((hours - 6) / 24 * 2 * math.pi)
    spread = abs(typical) * 0.08 + 0.02
    return round(typical + day * spread + rnd.gauss(0, spread / 3), 3)


def seed() -> dict:
    if MonitoredObject.objects.exists():
        return {}
    now = clock.now().replace(microsecond=0)
    made = {"monitoring_points": 0}
    with transaction.atomic():
        for enterprise_name, objects in PLANTS.items():
            enterprise = Organisation.objects.filter(name=enterprise_name).first()
            if enterprise is None:
                continue
            for obj_name, kind, location, gw_code, gw_name, points in objects:
                obj = MonitoredObject.objects.create(
                    enterprise=enterprise,
                    name=obj_name,
                    kind=kind,
                    location=location,
                    latitude=enterprise.latitude,
                    longitude=enterprise.longitude,
                )
                gw = Gateway(enterprise=enterprise, code=gw_code, name=gw_name, interval_s=10)
                gw.set_token(demo_token(gw_code))
                gw.save()
                for code, name, pkind, loc, item, (lo, hi), _typical in points:
                    p = Point.objects.create(
                        object=obj,
                        gateway=gw,
                        code=code,
                        name=name,
                        kind=pkind,
                        unit=DEFAULT_UNITS[pkind],
                        location=loc,
                        item=item,
                        range_min=lo,
                        range_max=hi,
                        interval_s=10,
                    )
                    prefill_rules(p)
                    made["monitoring_points"] += 1
        _history(now)
        _alarms(now)
    from .ingest import registry

    registry.invalidate()
    return made


def _history(now: dt.datetime) -> None:
    """Six hours of five-minute readings, so charts and latest values are not empty."""
    from . import storage

    typical = typical_values()
    rows = []
    for i, p in enumerate(Point.objects.order_by("pk")):
        for step in range(72, -1, -1):
            t = now - dt.timedelta(minutes=5 * step)
            rows.append((p.pk, t, signal(typical[p.code], t, i), 0))
    new = storage.write_readings(rows)
    storage.write_rollups(new)
    latest = {}
    for pid, t, v, q in rows:
        latest[pid] = (pid, t, v, q, 0, t - dt.timedelta(minutes=5))
    storage.write_latest(list(latest.values()))
    due = now + dt.timedelta(seconds=30)
    Gateway.objects.exclude(code=SILENT_GATEWAY).update(
        link_state=LinkState.ONLINE, last_seen_at=now, silence_due_at=due
    )
    Gateway.objects.filter(code=SILENT_GATEWAY).update(
        link_state=LinkState.ONLINE,
        last_seen_at=now - dt.timedelta(minutes=40),
        silence_due_at=now - dt.timedelta(minutes=39),
    )


def _alarms(now: dt.datetime) -> None:
    """A closed red methane alarm from yesterday, an open orange one, an offline gateway."""
    from dixian.core.models import User

    from . import services, sweeps
    from .models import AlarmKind, Level

    ch4 = Point.objects.get(code="hl-ch4-t0")
    with clock.frozen(now - dt.timedelta(hours=20)):
        alarm, _ = services.raise_alarm(
            enterprise_id=ch4.object.enterprise_id,
            kind=AlarmKind.THRESHOLD,
            level=Level.RED,
            message=f"{ch4.name} 1.62 %CH4",
            dedupe_key=f"p{ch4.pk}:threshold",
            at=now - dt.timedelta(hours=20),
            value=1.62,
            point_id=ch4.pk,
            object_id=ch4.object_id,
        )
    office = User.objects.filter(username="office").first()
    if office is not None:
        with clock.frozen(now - dt.timedelta(hours=19, minutes=57)):
            services.transition(actor=office, alarm=alarm, step="acknowledge")
            services.transition(
                actor=office, alarm=alarm, step="dispose", note="撤出人员，切断电源，加强通风"
            )
        with clock.frozen(now - dt.timedelta(hours=18)):
            services.transition(
                actor=office,
                alarm=alarm,
                step="feedback",
                cause="上隅角瓦斯积聚，局部通风不良",
                measures="调整风帘、增设抽采管路，复测 0.3% 后恢复生产",
            )
            services.transition(actor=office, alarm=alarm, step="close", note="核查属实，已整改")
    gas = Point.objects.get(code="hy-ch4-2")
    with clock.frozen(now - dt.timedelta(minutes=25)):
        services.raise_alarm(
            enterprise_id=gas.object.enterprise_id,
            kind=AlarmKind.THRESHOLD,
            level=Level.ORANGE,
            message=f"{gas.name} 27 %LEL",
            dedupe_key=f"p{gas.pk}:threshold",
            at=now - dt.timedelta(minutes=25),
            value=27.0,
            point_id=gas.pk,
            object_id=gas.object_id,
        )
    # The silent gateway: its silence deadline has passed; its handler opens the alarm.
    sweeps.GatewaySilent().run(now)
