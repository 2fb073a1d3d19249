"""Default alarm thresholds per point kind and sensor location (all editable afterwards).

Sources: ``shared/domain/emergency-warnings.md`` §5.1 (煤矿安全规程 methane table, as
reproduced in a mine's settings list) and §5.4 (GB 51108-2015 notes: orange = 1.1 × red for
the phreatic line, landslide orange = 80 % of red; four colours for tailings). Methane
levels: the table's *alarm* value is orange, its *power-cut* value is red, and yellow is a
pre-warning at 80 % of the alarm value (a local choice, marked as such). Other kinds carry
common industry values (GB/T 50493 combustible gas 25 %/50 % LEL; CO 24 ppm) that the
enterprise must confirm against its own design documents.
"""

from __future__ import annotations

from .models import Direction, PointKind

# location code → (label, alarm %CH4, power-cut %CH4)
METHANE_LOCATIONS = {
    "T0": ("采煤工作面上隅角", 1.0, 1.5),
    "T1": ("采煤工作面 / 掘进工作面", 1.0, 1.5),
    "T2": ("采煤工作面回风巷 / 掘进工作面回风流", 1.0, 1.0),
    "T3": ("高瓦斯、突出矿井采煤工作面进风巷", 0.5, 0.5),
    "T4": ("串联通风被串工作面进风巷", 0.5, 0.5),
    "T7": ("专用排瓦斯巷", 2.5, 2.5),
    "T8": ("专用排瓦斯巷工作面混合回风流处", 1.0, 1.0),
    "SHEARER": ("采煤机", 1.0, 1.5),
}

METHANE_SOURCE = "煤矿安全规程 甲烷传感器报警/断电值（emergency-warnings.md §5.1）"


def methane(location: str) -> dict:
    _label, alarm, cut = METHANE_LOCATIONS.get(location or "T1", METHANE_LOCATIONS["T1"])
    return {
        "direction": Direction.ABOVE,
        "yellow": round(alarm * 0.8, 3),
        "orange": alarm,
        "red": cut,
        "source": f"{METHANE_SOURCE} {location or 'T1'}",
    }


# kind → threshold rule values (blue, yellow, orange, red) and direction.
DEFAULTS = {
    PointKind.CO: {
        "yellow": 18,
        "orange": 24,
        "red": 50,
        "source": "CO 24 ppm 报警（煤矿安全规程）",
    },
    PointKind.O2: {
        "direction": Direction.BELOW,
        "yellow": 19.5,
        "orange": 18.5,
        "red": 18.0,
        "source": "氧气浓度低于 18% 为缺氧",
    },
    PointKind.COMBUSTIBLE: {
        "yellow": 20,
        "orange": 25,
        "red": 50,
        "source": "GB/T 50493 一级报警 25%LEL、二级报警 50%LEL",
    },
    PointKind.TOXIC: {"yellow": 5, "orange": 10, "red": 20, "source": "按介质职业接触限值设定"},
    PointKind.TEMPERATURE: {"yellow": 35, "orange": 40, "red": 45, "source": "企业设计值（示例）"},
    PointKind.PRESSURE: {"yellow": 1.4, "orange": 1.5, "red": 1.6, "source": "设计压力（示例）"},
    PointKind.LIQUID_LEVEL: {
        "yellow": 8.0,
        "orange": 8.5,
        "red": 9.0,
        "source": "储罐高液位（示例）",
    },
    PointKind.WIND: {
        "direction": Direction.BELOW,
        "yellow": 0.5,
        "orange": 0.3,
        "red": 0.25,
        "source": "采掘工作面最低风速 0.25 m/s（煤矿安全规程）",
    },
    # Tailings (GB 51108-2015 notes): phreatic line burial depth: red at the minimum depth,
    # orange 1.1 × red; displacement: orange = 80 % of red; dry beach shorter is worse.
    PointKind.PHREATIC: {
        "direction": Direction.BELOW,
        "blue": 8.0,
        "yellow": 7.0,
        "orange": 6.6,
        "red": 6.0,
        "source": "GB 51108-2015 条文说明 8.3：橙色 = 1.1 × 红色",
    },
    PointKind.DAM_DISPLACEMENT: {
        "blue": 10,
        "yellow": 20,
        "orange": 32,
        "red": 40,
        "source": "GB 51108-2015 条文说明 8.3：橙色 = 80% 红色",
    },
    PointKind.GNSS: {
        "blue": 10,
        "yellow": 20,
        "orange": 32,
        "red": 40,
        "source": "滑坡体位移：橙色 = 80% 红色（GB 51108-2015 条文说明）",
    },
    PointKind.DRY_BEACH: {
        "direction": Direction.BELOW,
        "blue": 120,
        "yellow": 100,
        "orange": 80,
        "red": 70,
        "source": "按调洪库容确定（设计文件，示例）",
    },
    PointKind.POND_LEVEL: {
        "blue": 580,
        "yellow": 582,
        "orange": 583,
        "red": 584,
        "source": "设计洪水位（示例）",
    },
    PointKind.RAINFALL: {
        "blue": 16,
        "yellow": 30,
        "orange": 50,
        "red": 70,
        "source": "黄色 = 暴雨级降雨（GB 51108-2015 条文说明）",
    },
}

# Sensor-fault rules every point gets: a rate of change, a stuck value.
RATE_DEFAULTS = {
    PointKind.CH4: 0.5,
    PointKind.CO: 30,
    PointKind.COMBUSTIBLE: 30,
    PointKind.DAM_DISPLACEMENT: 10,
    PointKind.GNSS: 10,
}
STUCK_MINUTES = 60


def threshold_defaults(kind: str, location: str = "") -> dict | None:
    if kind == PointKind.CH4:
        return methane(location)
    values = DEFAULTS.get(kind)
    if values is None:
        return None
    return {"direction": Direction.ABOVE, **values}


def prefill_rules(point) -> int:
    """Create the default rules of a point (thresholds, rate, stuck, range). Idempotent."""
    from .models import Level, Rule, RuleKind

    made = 0
    spec = threshold_defaults(point.kind, point.location)
    if spec:
        _, new = Rule.objects.get_or_create(point=point, kind=RuleKind.THRESHOLD, defaults=spec)
        made += new
    rate = RATE_DEFAULTS.get(point.kind)
    if rate is not None:
        _, new = Rule.objects.get_or_create(
            point=point,
            kind=RuleKind.RATE,
            defaults={"rate_per_min": rate, "level": Level.YELLOW, "source": "传感器突变（默认）"},
        )
        made += new
    _, new = Rule.objects.get_or_create(
        point=point,
        kind=RuleKind.STUCK,
        defaults={"stuck_minutes": STUCK_MINUTES, "level": Level.BLUE, "source": "数值长时间不变"},
    )
    made += new
    if point.range_min is not None or point.range_max is not None:
        _, new = Rule.objects.get_or_create(
            point=point,
            kind=RuleKind.RANGE,
            defaults={"level": Level.YELLOW, "source": "超出量程"},
        )
        made += new
    return made
