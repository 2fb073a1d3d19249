"""Accident grading, reporting chain and deadlines (国务院令第493号, 生产安全事故报告和调查处理条例).

- **Grade (Art. 3).** Any one criterion reaching a band places the accident in that band; the
  highest band reached wins. 以上 includes the number (≥), 以下 excludes it (<): exactly 3
  deaths is 较大, exactly 10 重大, exactly 30 特别重大; exactly 1000万元 is 较大. 重伤 includes
  急性工业中毒 (acute industrial poisoning).
- **Reporting (Arts. 9–11).** The unit reports to the county department within 1 hour; each
  level forwards to the next within 2 hours, up to the level the grade must reach (Art. 10):
  一般 → districted city; 较大 → province; 重大, 特别重大 → State Council.
- **Investigation (Arts. 19, 27, 29, 32).** 一般 by the county government, 较大 by the city,
  重大 by the province, 特别重大 by the State Council. Report within 60 days of the accident,
  extension at most 60 days; technical appraisal time is not counted. Government reply
  within 15 days (30 for 特别重大).
- **Supplementary reports (Art. 13).** Casualty changes within 30 days of the accident
  (7 days for road traffic and fire accidents) must be reported (and re-grade, Art. 20).
- **较大涉险事故** (原安监总局令第21号 as summarised; secondary source): 涉险 10 人以上,
  3 人以上被困或下落不明, 紧急疏散 500 人以上, or 住院观察 10 人以上.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .errors import StandardsError
from .numbers import to_non_negative, to_whole

# Reporting levels, bottom up: the county department receives the unit's report.
LEVELS = ("county", "city", "province", "state_council")
LEVEL_NAMES_CN = {
    "county": "县级",
    "city": "设区的市级",
    "province": "省级",
    "state_council": "国务院",
}

UNIT_REPORT_HOURS = 1  # Art. 9: the unit principal reports within 1 hour
FORWARD_HOURS = 2  # Art. 11: each level forwards within 2 hours
INVESTIGATION_DAYS = 60  # Art. 29
MAX_EXTENSION_DAYS = 60  # Art. 29
FOLLOW_UP_DAYS = 365  # 安全生产法 (2021) Art. 86: evaluation within one year
SUPPLEMENT_DAYS = 30  # Art. 13
SUPPLEMENT_DAYS_ROAD_FIRE = 7  # Art. 13: road traffic and fire accidents


@dataclass(frozen=True)
class Grade:
    code: str
    rank: int  # 1 = especially serious … 4 = ordinary
    name_cn: str
    name_en: str
    report_up_to: str  # a LEVELS code
    investigated_by: str  # a LEVELS code
    reply_days: int  # Art. 32


GRADES = (
    Grade("especially_serious", 1, "特别重大事故", "especially serious", "state_council",
          "state_council", 30),
    Grade("serious", 2, "重大事故", "serious", "state_council", "province", 15),
    Grade("relatively_serious", 3, "较大事故", "relatively serious", "province", "city", 15),
    Grade("ordinary", 4, "一般事故", "ordinary", "city", "county", 15),
)  # fmt: skip
GRADE_BY_CODE = {g.code: g for g in GRADES}

# Lower cut-offs (≥) of the three upper bands per criterion, highest band first (Art. 3).
DEATHS = (30, 10, 3)
SERIOUS_INJURIES = (100, 50, 10)
DIRECT_LOSS_YUAN = (Decimal(100_000_000), Decimal(50_000_000), Decimal(10_000_000))


def _band(value, cutoffs) -> int:
    """Rank 1–4 of ``value`` against the ≥ cut-offs of ranks 1–3."""
    for rank, cutoff in enumerate(cutoffs, start=1):
        if value >= cutoff:
            return rank
    return 4


def grade(deaths, serious_injuries, direct_loss_yuan) -> Grade:
    """The accident grade of 493号令 Art. 3: the highest band any criterion reaches.

    ``serious_injuries`` includes acute industrial poisoning; ``direct_loss_yuan`` in yuan.
    """
    d = to_whole(deaths, "deaths", minimum=0)
    i = to_whole(serious_injuries, "serious injuries", minimum=0)
    loss = to_non_negative(direct_loss_yuan, "direct loss")
    rank = min(_band(d, DEATHS), _band(i, SERIOUS_INJURIES), _band(loss, DIRECT_LOSS_YUAN))
    return GRADES[rank - 1]


def grade_by_code(code: str) -> Grade:
    try:
        return GRADE_BY_CODE[code]
    except KeyError:
        raise StandardsError(
            f"unknown accident grade {code!r}", f"未知的事故等级 {code!r}"
        ) from None


def grade_dict(g: Grade) -> dict:
    """The ``dixian calc accident-grade`` answer."""
    return {
        "grade": g.code,
        "grade_cn": g.name_cn,
        "report_up_to": g.report_up_to,
        "investigated_by": g.investigated_by,
    }


def chain(g: Grade) -> tuple[str, ...]:
    """The levels a report passes, from the county up to the level the grade must reach."""
    return LEVELS[: LEVELS.index(g.report_up_to) + 1]


def forwards_needed(g: Grade) -> int:
    """How many times the report is forwarded above the county (一般: 1, 较大: 2, else 3)."""
    return len(chain(g)) - 1


def unit_report_due(learned_at: dt.datetime) -> dt.datetime:
    """Art. 9: the unit reports to the county department within 1 hour of learning of it."""
    return learned_at + dt.timedelta(hours=UNIT_REPORT_HOURS)


def forward_due(received_at: dt.datetime) -> dt.datetime:
    """Art. 11: each level forwards within 2 hours of receiving the report."""
    return received_at + dt.timedelta(hours=FORWARD_HOURS)


def supplement_days(road_or_fire: bool) -> int:
    """Art. 13: casualty changes are reported within 30 days (7 for road traffic and fire)."""
    return SUPPLEMENT_DAYS_ROAD_FIRE if road_or_fire else SUPPLEMENT_DAYS


def supplement_window_end(occurred_at: dt.datetime, road_or_fire: bool) -> dt.datetime:
    return occurred_at + dt.timedelta(days=supplement_days(road_or_fire))


def investigation_due(
    occurred_on: dt.date, *, extension_days: int = 0, appraisal_days: int = 0
) -> dt.date:
    """Art. 29 and 27: 60 days from the accident date, plus an approved extension of at most
    60 days, plus the days of technical appraisal (not counted in the period)."""
    ext = to_whole(extension_days, "extension days", minimum=0)
    if ext > MAX_EXTENSION_DAYS:
        raise StandardsError(
            f"an extension may not exceed {MAX_EXTENSION_DAYS} days",
            f"延长期限最长不超过{MAX_EXTENSION_DAYS}日",
        )
    appraisal = to_whole(appraisal_days, "appraisal days", minimum=0)
    return occurred_on + dt.timedelta(days=INVESTIGATION_DAYS + ext + appraisal)


def reply_due(report_received_on: dt.date, g: Grade) -> dt.date:
    """Art. 32: the government replies within 15 days of receiving the report (30 for 特别重大)."""
    return report_received_on + dt.timedelta(days=g.reply_days)


def follow_up_due(reply_on: dt.date) -> dt.date:
    """安全生产法 Art. 86: the one-year follow-up evaluation of the measures."""
    return reply_on + dt.timedelta(days=FOLLOW_UP_DAYS)


def is_major_near_miss(
    *, endangered: int = 0, trapped_or_missing: int = 0, evacuated: int = 0, hospitalised: int = 0
) -> bool:
    """较大涉险事故 (secondary source, 原安监总局 2013 rules): 涉险10人以上, 3人以上被困或下落不明,
    紧急疏散500人以上, 住院观察10人以上."""
    values = [
        to_whole(v, n, minimum=0)
        for v, n in (
            (endangered, "endangered"),
            (trapped_or_missing, "trapped or missing"),
            (evacuated, "evacuated"),
            (hospitalised, "hospitalised"),
        )
    ]
    return values[0] >= 10 or values[1] >= 3 or values[2] >= 500 or values[3] >= 10
