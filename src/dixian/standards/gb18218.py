"""GB 18218-2018 危险化学品重大危险源辨识: thresholds, identification and grading.

Clauses implemented (text as in risk-hazard.md §1; tables in ``data/gb18218_table*.csv``):

- §4.1.2 threshold quantity Q (临界量): Table 1 for a named chemical; otherwise Table 2 by
  hazard category, taking the **lowest** Q when the chemical has several categories.
- §4.2.1 identification: a unit is a major hazard installation (重大危险源) when
  S = q1/Q1 + q2/Q2 + … + qn/Qn **≥ 1** (equal counts: "等于或超过临界量"). With one chemical
  this is q ≥ Q. q and Q are in tonnes; by §4.2.2 q is the design maximum (设计最大量).
- §4.3.1–§4.3.2 grading index R = α × (β1·q1/Q1 + … + βn·qn/Qn); β from Table 3 (toxic gases,
  by name) or else Table 4 (by category); α from Table 5 (常住人口 within 500 m of the plant
  boundary).
- §4.3.3 grade by Table 6: R ≥ 100 grade 1; 100 > R ≥ 50 grade 2; 50 > R ≥ 10 grade 3;
  R < 10 grade 4. Only a major hazard installation is graded.

Arithmetic: quantities and table values are ``Decimal``; S and R are summed exactly as
rationals (``Fraction`` built from those Decimals, no rounding anywhere), so the inclusive
tests S ≥ 1 and R ≥ 10 / 50 / 100 are decided on exact values. S and R are reported as Decimals
rounded **down** to ``places`` decimals (6 by default): the shown value is never above the exact
one, so a shown S of 1 always means a major hazard and a shown 0.999999 never does.

Not covered: §4.2.3 mixtures (give the mixture's own category instead) and the production /
storage unit boundaries of §3.5–§3.6, which are the caller's to draw.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache

from .errors import StandardsError
from .numbers import floor_to_places, plain, to_decimal, to_non_negative, to_whole
from .tables import read_csv, split_list

CLAUSE = "GB 18218-2018"
UNIT_TYPES = {"production": "生产单元", "storage": "储存单元"}  # §4.1.1, §3.5, §3.6
BETA_RULES = ("max", "lowest_q")
DEFAULT_PLACES = 6


@dataclass(frozen=True)
class Table1Entry:
    """A row of Table 1 (named chemicals): its number, names, CAS numbers and Q in tonnes."""

    seq: int
    name_cn: str
    name_en: str
    cas: tuple[str, ...]
    threshold_t: Decimal
    aliases: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"#{self.seq} {self.name_cn}"


@dataclass(frozen=True)
class Category:
    """A row of Table 2 (hazard category) with its Q (tonnes) and its Table 4 β."""

    symbol: str
    class_cn: str
    class_en: str
    description_cn: str
    description_en: str
    threshold_t: Decimal
    beta: Decimal


def normalise_name(text: str) -> str:
    """Fold width, case and spaces: "氯化氢（无水）" and "氯化氢(无水)" compare equal."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _strip_qualifier(name: str) -> str:
    """ "氯化氢(无水)" → "氯化氢": the name without a trailing (…) or […] qualifier."""
    return re.sub(r"[(\[].*[)\]]$", "", unicodedata.normalize("NFKC", name)).strip()


@cache
def table1() -> tuple[Table1Entry, ...]:
    """GB 18218-2018 Table 1 (§4.1.2 a), 85 rows, from ``data/gb18218_table1.csv``."""
    return tuple(
        Table1Entry(
            seq=int(row["seq"]),
            name_cn=row["name_cn"],
            name_en=row["name_en"],
            cas=split_list(row["cas"]),
            threshold_t=Decimal(row["critical_t"]),
            aliases=split_list(row["alias_cn"]),
        )
        for row in read_csv("gb18218_table1.csv")
    )


@cache
def _table1_index() -> tuple[
    dict[str, tuple[Table1Entry, ...]], dict[str, tuple[Table1Entry, ...]]
]:
    by_seq = {entry.seq: entry for entry in table1()}
    names: dict[str, list[Table1Entry]] = {}
    cas_numbers: dict[str, list[Table1Entry]] = {}

    def add(index, key, entry):
        bucket = index.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)

    for entry in table1():
        for name in (entry.name_cn, entry.name_en, *entry.aliases):
            add(names, normalise_name(name), entry)
        for number in entry.cas:
            add(cas_numbers, number, entry)
    for row in read_csv("gb18218_table1_extra_names.csv"):
        add(names, normalise_name(row["name"]), by_seq[int(row["seq"])])
    return (
        {k: tuple(v) for k, v in names.items()},
        {k: tuple(v) for k, v in cas_numbers.items()},
    )


def cas_is_valid(cas: str) -> bool:
    """True when ``cas`` has the CAS Registry Number form and its check digit is right."""
    match = re.fullmatch(r"(\d{2,7})-(\d{2})-(\d)", cas)
    if not match:
        return False
    digits = (match[1] + match[2])[::-1]
    return sum(i * int(d) for i, d in enumerate(digits, start=1)) % 10 == int(match[3])


def _describe(entries) -> tuple[str, ...]:
    return tuple(f"{e.label} (Q = {plain(e.threshold_t)} t)" for e in entries)


def find_in_table1(*, name=None, cas=None, seq=None) -> Table1Entry | None:
    """The Table 1 row named by any of ``name`` (Chinese, English or alias), ``cas`` or ``seq``.

    Identifiers that match nothing are treated as labels; those that match must agree on one
    row. Returns None when no identifier is in Table 1 (then §4.1.2 b: Table 2 applies).
    Several rows share one CAS (nitrocellulose 9004-70-0, ammonium nitrate 6484-52-2) and one
    alias (硝化棉): such a look-up is ambiguous and the error lists the rows; give ``seq``.
    """
    names, cas_numbers = _table1_index()
    matches: list[tuple[str, tuple[Table1Entry, ...]]] = []
    if seq is not None:
        number = to_whole(seq, "seq", minimum=1)
        found = tuple(e for e in table1() if e.seq == number)
        if not found:
            raise StandardsError(
                f"GB 18218-2018 Table 1 has no row {number} (rows 1–{len(table1())})",
                f"GB 18218-2018 表1 没有第 {number} 行（共 {len(table1())} 行）",
            )
        matches.append((f"seq {number}", found))
    if cas is not None:
        number = unicodedata.normalize("NFKC", str(cas)).strip()
        if not cas_is_valid(number):
            raise StandardsError(
                f"{cas!r} is not a valid CAS number (form NNNNNNN-NN-N with a check digit)",
                f"{cas!r} 不是有效的 CAS 号（格式 NNNNNNN-NN-N，末位为校验位）",
            )
        if number in cas_numbers:
            matches.append((f"CAS {number}", cas_numbers[number]))
    if name is not None:
        found = names.get(normalise_name(str(name)))
        if found:
            matches.append((f"name {name!r}", found))
    if not matches:
        return None
    common = set(matches[0][1]).intersection(*(set(m[1]) for m in matches[1:]))
    if not common:
        said = "; ".join(f"{what} → {', '.join(e.label for e in rows)}" for what, rows in matches)
        raise StandardsError(
            f"the identifiers point to different Table 1 rows ({said})",
            f"给出的标识指向表1的不同行（{said}）",
        )
    if len(common) > 1:
        rows = tuple(sorted(common, key=lambda e: e.seq))
        what = " and ".join(m[0] for m in matches)
        listing = "; ".join(_describe(rows))
        raise StandardsError(
            f"{what} matches several GB 18218-2018 Table 1 rows; give 'seq' to choose: {listing}",
            f"{what} 对应表1的多行，请用 seq 指定行号：{listing}",
            candidates=_describe(rows),
        )
    return common.pop()


def suggest_table1(text: str, limit: int = 5) -> tuple[str, ...]:
    """Table 1 rows whose names contain ``text`` or are contained in it (for "did you mean")."""
    wanted = normalise_name(text)
    names, _ = _table1_index()
    found: list[Table1Entry] = []
    for key, entries in names.items():
        if wanted and (wanted in key or (len(key) > 1 and key in wanted)):
            found.extend(e for e in entries if e not in found)
    return _describe(sorted(found, key=lambda e: e.seq)[:limit])


@cache
def table2() -> dict[str, Category]:
    """GB 18218-2018 Table 2 (§4.1.2 b) joined with Table 4 (§4.3.2 β), keyed by symbol."""
    betas = {
        row["symbol"]: Decimal(row["beta"])
        for row in read_csv("gb18218_table4_beta_categories.csv")
    }
    return {
        row["symbol"]: Category(
            symbol=row["symbol"],
            class_cn=row["class_cn"],
            class_en=row["class_en"],
            description_cn=row["description_cn"],
            description_en=row["description_en"],
            threshold_t=Decimal(row["critical_t"]),
            beta=betas[row["symbol"]],
        )
        for row in read_csv("gb18218_table2_categories.csv")
    }


def category(symbol: str) -> Category:
    """The Table 2 category with this symbol ("W5.3", "w5.3", "W5 . 3" alike)."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(symbol))).upper()
    found = table2().get(key)
    if found is None:
        known = ", ".join(table2())
        raise StandardsError(
            f"unknown GB 18218-2018 Table 2 category {symbol!r} (known: {known})",
            f"未知的 GB 18218-2018 表2 类别 {symbol!r}（可选：{known}）",
            candidates=tuple(table2()),
        )
    return found


def parse_categories(value) -> tuple[str, ...]:
    """Category symbols from a list or a string separated by commas, 、, ; or spaces."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,;，；、\s]+", str(value))
    return tuple(category(str(item)).symbol for item in items if str(item).strip())


def lowest_threshold(symbols) -> Category:
    """§4.1.2 b: of several categories, the one with the lowest Q (a tie goes to larger β)."""
    categories = [category(s) for s in symbols]
    if not categories:
        raise StandardsError("no category given", "未给出危险类别")
    return min(categories, key=lambda c: (c.threshold_t, -c.beta))


@cache
def table3() -> dict[str, Decimal]:
    """GB 18218-2018 Table 3 (§4.3.2): β of toxic gases, keyed by normalised name."""
    betas = {}
    for row in read_csv("gb18218_table3_beta_toxic_gases.csv"):
        betas[normalise_name(row["name_cn"])] = Decimal(row["beta"])
        betas[normalise_name(row["name_en"])] = Decimal(row["beta"])
    return betas


def table3_beta(entry: Table1Entry | None = None, name: str | None = None) -> Decimal | None:
    """β from Table 3 for a Table 1 row (by its name, or its name without a qualifier such as
    "(无水)") or for a bare name (一氧化碳 has a β but no Table 1 row); else None."""
    candidates = []
    if entry is not None:
        candidates += [
            entry.name_cn,
            _strip_qualifier(entry.name_cn),
            entry.name_en,
            *entry.aliases,
        ]
    if name is not None:
        candidates.append(name)
    for candidate in candidates:
        beta = table3().get(normalise_name(candidate))
        if beta is not None:
            return beta
    return None


@cache
def _alpha_rows() -> tuple[tuple[int, int | None, Decimal], ...]:
    return tuple(
        (
            int(row["people_min"]),
            int(row["people_max"]) if row["people_max"] else None,
            Decimal(row["alpha"]),
        )
        for row in read_csv("gb18218_table5_alpha.csv")
    )


def alpha_for(exposed_people) -> Decimal:
    """§4.3.2 Table 5: α for the number of people who may be exposed outside the plant
    (常住人口 within 500 m of the boundary). "100人以上" is read as ≥ 100 (the data's
    ``people_min``), since the next band ends at 99."""
    people = to_whole(exposed_people, "exposed_people", minimum=0)
    for low, high, alpha in _alpha_rows():
        if low <= people and (high is None or people <= high):
            return alpha
    raise StandardsError(f"Table 5 has no α for {people} people", f"表5 中没有 {people} 人对应的 α")


def grade_for(r) -> int:
    """§4.3.3 Table 6: the grade (1 highest … 4) for a grading index R; cut-offs inclusive
    below (R = 100 is grade 1, R = 50 grade 2, R = 10 grade 3)."""
    value = r if isinstance(r, Fraction) else Fraction(to_decimal(r, "R"))
    for row in read_csv("gb18218_table6_grades.csv"):
        low = Fraction(Decimal(row["r_min_inclusive"])) if row["r_min_inclusive"] else None
        high = Fraction(Decimal(row["r_max_exclusive"])) if row["r_max_exclusive"] else None
        if (low is None or value >= low) and (high is None or value < high):
            return int(re.search(r"\d", row["grade_en"])[0])
    raise StandardsError(f"Table 6 has no grade for R = {r}", f"表6 中没有 R = {r} 对应的级别")


@dataclass(frozen=True)
class Substance:
    """One chemical in a unit: how it is named (any of name, CAS, Table 1 row, categories) and
    its quantity q in tonnes (the design maximum, §4.2.2)."""

    quantity_t: Decimal
    name: str | None = None
    cas: str | None = None
    seq: int | None = None
    categories: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.cas:
            return f"CAS {self.cas}"
        if self.seq is not None:
            return f"#{self.seq}"
        return "/".join(self.categories) or "?"


@dataclass(frozen=True)
class Line:
    """How one substance counts: q, its Q, β (None when unknown) and where Q came from."""

    substance: str
    q: Decimal
    threshold_t: Decimal
    beta: Decimal | None
    basis: str
    entry: Table1Entry | None
    category: Category | None
    note: str | None = None

    @property
    def ratio(self) -> Fraction:
        """q/Q, exactly."""
        return Fraction(self.q) / Fraction(self.threshold_t)

    def as_dict(self) -> dict:
        result = {
            "substance": self.substance,
            "q": self.q,
            "Q": self.threshold_t,
            "beta": self.beta,
            "basis": self.basis,
        }
        if self.note:
            result["note"] = self.note
        return result


def resolve(substance: Substance, *, beta_rule: str = "max") -> Line:
    """Q (§4.1.2) and β (§4.3.2) for one substance.

    Q: the Table 1 row if the substance is in Table 1, else the lowest Table 2 Q among its
    categories. β: Table 3 if the substance is listed there, else Table 4 for its categories —
    with several categories ``beta_rule`` decides: ``"max"`` (default, the most conservative)
    or ``"lowest_q"`` (the β of the category that set Q). The standard does not say which; a
    Table 1 chemical outside Table 3 needs its categories for β.
    """
    if beta_rule not in BETA_RULES:
        raise StandardsError(
            f"beta_rule must be one of {', '.join(BETA_RULES)} (got {beta_rule!r})"
        )
    if (
        substance.name is None
        and substance.cas is None
        and substance.seq is None
        and not substance.categories
    ):
        raise StandardsError(
            "a substance needs a name, cas, seq or category",
            "物质须给出 name、cas、seq 或 category",
        )
    entry = find_in_table1(name=substance.name, cas=substance.cas, seq=substance.seq)
    categories = [category(s) for s in substance.categories]
    lowest = lowest_threshold(substance.categories) if categories else None
    if entry is not None:
        threshold, basis, label = entry.threshold_t, f"{CLAUSE} 表1 #{entry.seq}", entry.name_cn
    elif lowest is not None:
        threshold, label = lowest.threshold_t, substance.label
        basis = f"{CLAUSE} 表2 {lowest.symbol}"
        if len(categories) > 1:
            basis += f"（{'、'.join(c.symbol for c in categories)} 中临界量最低）"
    else:
        given = " / ".join(
            f"{k} {v!r}"
            for k, v in (("name", substance.name), ("cas", substance.cas))
            if v is not None
        )
        hints = suggest_table1(substance.name) if substance.name else ()
        hint_en = f"; similar Table 1 names: {'; '.join(hints)}" if hints else ""
        raise StandardsError(
            f"unknown substance ({given}): not in GB 18218-2018 Table 1; give its hazard "
            f"category (Table 2 symbol, e.g. W5.3) to use Table 2{hint_en}",
            f"未知物质（{given}）：不在 GB 18218-2018 表1 中，请给出其危险类别（表2 符号，如 W5.3）",
            candidates=hints,
        )
    note = None
    if entry is None and substance.name:
        # Table 2 by category is right only if the chemical really is outside Table 1; a
        # near-miss name ("氯化氢" for "氯化氢(无水)") deserves a second look.
        similar = suggest_table1(substance.name)
        if similar:
            note = f"not in Table 1 under this name; similar rows: {'; '.join(similar)}"
    beta = table3_beta(entry, substance.name)
    if beta is None and categories:
        beta = max(c.beta for c in categories) if beta_rule == "max" else lowest.beta
    return Line(label, substance.quantity_t, threshold, beta, basis, entry, lowest, note)


@dataclass(frozen=True)
class Assessment:
    """The identification (S, major) and grading (α, R, grade) of one unit."""

    unit_type: str
    exposed_people: int
    alpha: Decimal
    lines: tuple[Line, ...]
    s_exact: Fraction
    r_exact: Fraction | None
    places: int = DEFAULT_PLACES

    @property
    def major(self) -> bool:
        """§4.2.1: S ≥ 1, decided on the exact sum."""
        return self.s_exact >= 1

    @property
    def s(self) -> Decimal:
        return floor_to_places(self.s_exact, self.places)

    @property
    def r(self) -> Decimal | None:
        return None if self.r_exact is None else floor_to_places(self.r_exact, self.places)

    @property
    def grade(self) -> int | None:
        """§4.3.3: 1–4 for a major hazard installation, None otherwise."""
        return grade_for(self.r_exact) if self.major and self.r_exact is not None else None

    def as_dict(self) -> dict:
        return {
            "unit_type": self.unit_type,
            "s": self.s,
            "major": self.major,
            "alpha": self.alpha,
            "r": self.r,
            "grade": self.grade,
            "lines": [line.as_dict() for line in self.lines],
        }


def assess(
    substances,
    *,
    unit_type: str,
    exposed_people,
    beta_rule: str = "max",
    places: int = DEFAULT_PLACES,
) -> Assessment:
    """Identify (§4.2.1, S ≥ 1 inclusive) and grade (§4.3, R and Table 6) one unit.

    R is computed whenever every substance has a β; the grade only for a major hazard
    installation. A major unit with a substance lacking β (a Table 1 chemical outside Table 3
    given without its category) is an error naming it, since its grade cannot be found.
    """
    if unit_type not in UNIT_TYPES:
        raise StandardsError(
            f"unit_type must be 'storage' or 'production' (got {unit_type!r})",
            f"unit_type 须为 storage（储存单元）或 production（生产单元），收到 {unit_type!r}",
        )
    lines = tuple(resolve(s, beta_rule=beta_rule) for s in substances)
    if not lines:
        raise StandardsError("no substances given", "未给出任何危险化学品")
    alpha = alpha_for(exposed_people)
    s_exact = sum((line.ratio for line in lines), Fraction(0))
    lacking = [line.substance for line in lines if line.beta is None]
    r_exact = None
    if not lacking:
        r_exact = Fraction(alpha) * sum(
            (Fraction(line.beta) * line.ratio for line in lines), Fraction(0)
        )
    elif s_exact >= 1:
        names = ", ".join(lacking)
        raise StandardsError(
            f"the unit is a major hazard installation but β is unknown for {names}: not in "
            "Table 3, so give its hazard category (Table 4)",
            f"该单元构成重大危险源，但 {names} 的校正系数 β 无法确定：不在表3 中，请给出其危险类别（表4）",
        )
    return Assessment(
        unit_type,
        to_whole(exposed_people, "exposed_people", minimum=0),
        alpha,
        lines,
        s_exact,
        r_exact,
        places,
    )


_SUBSTANCE_KEYS = {"name", "cas", "seq", "category", "quantity_t"}
_REQUEST_KEYS = {"unit_type", "exposed_people", "substances", "beta_rule"}


def assess_request(data) -> Assessment:
    """``assess`` for a JSON-shaped request (numbers as Decimal, see ``jsonio.loads``)::

        {"unit_type": "storage" | "production", "exposed_people": N,
         "substances": [{"name" | "cas" | "seq" | "category": …, "quantity_t": q}, …],
         "beta_rule": "max" | "lowest_q"  (optional)}

    ``category`` is one symbol, a list, or symbols separated by commas. Unknown keys are
    refused so that a misspelt key is not silently ignored.
    """
    if not isinstance(data, dict):
        raise StandardsError("the request must be a JSON object", "输入须为 JSON 对象")
    _refuse_unknown(data, _REQUEST_KEYS, "request")
    for key in ("unit_type", "exposed_people", "substances"):
        if key not in data:
            raise StandardsError(f"'{key}' is missing", f"缺少 '{key}'")
    raw = data["substances"]
    if not isinstance(raw, list) or not raw:
        raise StandardsError("'substances' must be a non-empty list", "'substances' 须为非空列表")
    substances = []
    for number, item in enumerate(raw, start=1):
        where = f"substances[{number}]"
        if not isinstance(item, dict):
            raise StandardsError(f"{where} must be an object", f"{where} 须为对象")
        _refuse_unknown(item, _SUBSTANCE_KEYS, where)
        label = item.get("name") or item.get("cas") or item.get("seq") or item.get("category")
        if "quantity_t" not in item:
            raise StandardsError(
                f"{where} ({label}): 'quantity_t' is missing",
                f"{where}（{label}）缺少 'quantity_t'",
            )
        for key in ("name", "cas"):
            if key in item and not isinstance(item[key], str):
                raise StandardsError(f"{where}: '{key}' must be text", f"{where}：'{key}' 须为文本")
        substances.append(
            Substance(
                quantity_t=to_non_negative(item["quantity_t"], f"quantity_t of {where} ({label})"),
                name=item.get("name"),
                cas=item.get("cas"),
                seq=None
                if item.get("seq") is None
                else to_whole(item["seq"], f"{where}.seq", minimum=1),
                categories=parse_categories(item.get("category")),
            )
        )
    return assess(
        substances,
        unit_type=data["unit_type"],
        exposed_people=data["exposed_people"],
        beta_rule=data.get("beta_rule", "max"),
    )


def _refuse_unknown(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise StandardsError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} (allowed: {', '.join(sorted(allowed))})",
            f"{where}：无法识别的键 {', '.join(map(repr, unknown))}",
        )
