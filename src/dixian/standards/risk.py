"""Risk grading for the dual prevention mechanism (双重预防机制 风险分级管控).

Two methods, each graded into the four levels 重大/较大/一般/低 shown red/orange/yellow/blue
(the scheme usually cited to 安委办〔2016〕11号; risk-hazard.md §2.1):

- **LEC** (作业条件危险性评价法, Graham–Kinney): D = L × E × C, each factor one of the scores
  of ``data/lec_scales.csv``.
- **LS risk matrix** (风险矩阵法): R = L × S with L and S whole numbers 1–5.

No national rule fixes the band cut-offs or the colours (risk-hazard.md §2.2, §2.3, §6 item 2),
so they are data: ``data/risk_bands.json`` holds the levels (code, colour, names) and named
schemes of cut-offs; a province's or enterprise's own file can be loaded with
``load_risk_config(path)``.

**Boundary rule.** A scheme lists its bands from the highest down, each with its lower
cut-off ``min``. With ``on_cutoff = "higher"`` (the default schemes) a value exactly on a
cut-off belongs to the band the cut-off starts: value ≥ min. With ``"lower"`` it belongs to the
band below: value > min. So by default D = 320 is red, D = 160 orange, D = 70 yellow; R = 20 is
red, R = 9 orange, R = 4 yellow.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from .errors import StandardsError
from .numbers import plain, to_decimal, to_non_negative, to_whole
from .tables import data_text, read_csv

LS_SCALE = range(1, 6)


@dataclass(frozen=True)
class Level:
    """One of the four risk levels: ``code`` (``major`` …), its rank (1 = highest) and colour."""

    code: str
    rank: int
    colour: str
    name_cn: str
    name_en: str
    colour_cn: str


@dataclass(frozen=True)
class Band:
    level: Level
    min: Decimal | None  # lower cut-off; None for the lowest band


@dataclass(frozen=True)
class BandScheme:
    """Named cut-offs, highest band first; see the module docstring for ``on_cutoff``."""

    name: str
    source: str
    on_cutoff: str
    bands: tuple[Band, ...]

    def classify(self, value: Decimal) -> Level:
        for band in self.bands:
            if band.min is None or value > band.min:
                return band.level
            if value == band.min and self.on_cutoff == "higher":
                return band.level
        raise AssertionError("a validated scheme ends with a band without a cut-off")


@dataclass(frozen=True)
class RiskConfig:
    levels: dict[str, Level]
    lec: dict[str, BandScheme]
    lec_default: str
    ls: dict[str, BandScheme]
    ls_default: str

    @classmethod
    def from_dict(cls, data: dict) -> "RiskConfig":
        """Build and check a configuration shaped like ``data/risk_bands.json``."""
        try:
            levels = {
                code: Level(
                    code=code,
                    rank=int(spec["rank"]),
                    colour=spec["colour"],
                    name_cn=spec.get("name_cn", code),
                    name_en=spec.get("name_en", code),
                    colour_cn=spec.get("colour_cn", spec["colour"]),
                )
                for code, spec in data["levels"].items()
            }
            methods = {}
            for method in ("lec", "ls"):
                schemes = {
                    name: _scheme(name, spec, levels)
                    for name, spec in data[method]["schemes"].items()
                }
                default = data[method]["default"]
                if default not in schemes:
                    raise StandardsError(f"{method}: default scheme {default!r} is not defined")
                methods[method] = (schemes, default)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, StandardsError):
                raise
            raise StandardsError(
                f"risk band configuration is malformed ({exc!r})", "风险分级配置格式错误"
            ) from None
        return cls(levels, *methods["lec"], *methods["ls"])


def _scheme(name: str, spec: dict, levels: dict[str, Level]) -> BandScheme:
    if spec["on_cutoff"] not in {"higher", "lower"}:
        raise StandardsError(f"scheme {name}: on_cutoff must be 'higher' or 'lower'")
    bands = []
    for band in spec["bands"]:
        if band["level"] not in levels:
            raise StandardsError(f"scheme {name}: unknown level {band['level']!r}")
        cut = band["min"]
        bands.append(Band(levels[band["level"]], None if cut is None else Decimal(str(cut))))
    cuts = [b.min for b in bands]
    if not bands or cuts[-1] is not None or None in cuts[:-1]:
        raise StandardsError(f"scheme {name}: only the last (lowest) band has no cut-off")
    if any(high <= low for high, low in zip(cuts[:-2], cuts[1:-1], strict=True)):
        raise StandardsError(f"scheme {name}: cut-offs must fall strictly from band to band")
    if len({b.level.code for b in bands}) != len(bands):
        raise StandardsError(f"scheme {name}: a level appears twice")
    return BandScheme(name, spec.get("source", ""), spec["on_cutoff"], tuple(bands))


@cache
def _packaged_config() -> RiskConfig:
    return RiskConfig.from_dict(json.loads(data_text("risk_bands.json")))


def load_risk_config(path: str | Path | None = None) -> RiskConfig:
    """The packaged configuration, or one read from a JSON file of the same shape."""
    if path is None:
        return _packaged_config()
    return RiskConfig.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class RiskResult:
    """A graded value: D (LEC) or R (LS), its level and the scheme that graded it."""

    value: Decimal
    level: Level
    scheme: str

    @property
    def colour(self) -> str:
        return self.level.colour

    def as_dict(self, value_key: str) -> dict:
        return {value_key: self.value, "level": self.level.code, "colour": self.level.colour}


@cache
def lec_scales() -> dict[str, tuple[Decimal, ...]]:
    """The allowed scores of L, E and C (作业条件危险性评价法), from ``data/lec_scales.csv``."""
    scales: dict[str, list[Decimal]] = {}
    for row in read_csv("lec_scales.csv"):
        scales.setdefault(row["factor"], []).append(Decimal(row["score"]))
    return {factor: tuple(scores) for factor, scores in scales.items()}


def _pick(method: str, scheme, config: RiskConfig | None) -> BandScheme:
    if isinstance(scheme, BandScheme):
        return scheme
    config = config or _packaged_config()
    schemes, default = (
        (config.lec, config.lec_default)
        if method == "lec"
        else (
            config.ls,
            config.ls_default,
        )
    )
    name = default if scheme is None else scheme
    if name not in schemes:
        raise StandardsError(
            f"unknown {method.upper()} band scheme {name!r} (known: {', '.join(schemes)})",
            f"未知的 {method.upper()} 分级方案 {name!r}（可选：{'、'.join(schemes)}）",
            candidates=tuple(schemes),
        )
    return schemes[name]


def classify_lec(d, *, scheme=None, config: RiskConfig | None = None) -> Level:
    """The level of a danger score D ≥ 0 under ``scheme`` (name, ``BandScheme`` or default).

    Boundary rule as in the module docstring: by default D exactly on 320 / 160 / 70 is in the
    higher band (red / orange / yellow).
    """
    return _pick("lec", scheme, config).classify(to_non_negative(d, "D"))


def lec(l, e, c, *, scheme=None, config: RiskConfig | None = None) -> RiskResult:  # noqa: E741
    """LEC (Graham–Kinney) danger score D = L × E × C and its four-colour level.

    L (likelihood 事故发生的可能性), E (exposure 暴露频繁程度) and C (consequence 后果) must
    each be one of the scores in ``data/lec_scales.csv`` (L ∈ {10, 6, 3, 1, 0.5, 0.2, 0.1},
    E ∈ {10, 6, 3, 2, 1, 0.5}, C ∈ {100, 40, 15, 7, 3, 1}); anything else is a
    ``StandardsError`` naming the value. Bands: see ``classify_lec``.
    """
    scales = lec_scales()
    factors = []
    for name, raw in (("L", l), ("E", e), ("C", c)):
        value = to_decimal(raw, name)
        if value not in scales[name]:
            allowed = ", ".join(plain(v) for v in scales[name])
            raise StandardsError(
                f"{name} = {plain(value)} is not an allowed LEC score (allowed: {allowed})",
                f"{name} = {plain(value)} 不是 LEC 法允许的分值（允许：{allowed}）",
            )
        factors.append(value)
    d = factors[0] * factors[1] * factors[2]
    chosen = _pick("lec", scheme, config)
    return RiskResult(Decimal(plain(d)), chosen.classify(d), chosen.name)


def classify_ls(r, *, scheme=None, config: RiskConfig | None = None) -> Level:
    """The level of a risk-matrix value R ≥ 0 (boundary rule: module docstring)."""
    return _pick("ls", scheme, config).classify(to_non_negative(r, "R"))


def ls(l, s, *, scheme=None, config: RiskConfig | None = None) -> RiskResult:  # noqa: E741
    """Risk matrix (风险矩阵法) R = L × S with likelihood L and severity S whole numbers 1–5.

    Default bands (zgmkw, risk-hazard.md §2.3): R ≥ 20 red, 9 ≤ R < 20 orange, 4 ≤ R < 9
    yellow, R < 4 blue; other published partitions are selectable schemes.
    """
    likelihood = _matrix_factor(l, "L")
    severity = _matrix_factor(s, "S")
    chosen = _pick("ls", scheme, config)
    r = Decimal(likelihood * severity)
    return RiskResult(r, chosen.classify(r), chosen.name)


def _matrix_factor(value, name: str) -> int:
    number = to_decimal(value, name)
    if number != number.to_integral_value() or int(number) not in LS_SCALE:
        raise StandardsError(
            f"{name} = {plain(number)} is not on the risk-matrix scale 1, 2, 3, 4, 5",
            f"{name} = {plain(number)} 不在风险矩阵的取值 1、2、3、4、5 之中",
        )
    return to_whole(number, name)


def ls_matrix(
    *, scheme=None, config: RiskConfig | None = None
) -> dict[tuple[int, int], RiskResult]:
    """The whole 5×5 matrix: ``{(L, S): RiskResult}`` for L, S in 1–5."""
    return {
        (likelihood, severity): ls(likelihood, severity, scheme=scheme, config=config)
        for likelihood in LS_SCALE
        for severity in LS_SCALE
    }
