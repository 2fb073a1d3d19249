"""Read a Chinese government notice (通知) into its structure.

A work-safety notice such as 平政发〔2024〕1号 is laid out the same way at every level of
government: a header (issuer, document number, title, addressees), a preamble, sections
numbered 一、二、…, items numbered （一）（二）…, sometimes sub-paragraphs inside an item
(森林草原火灾：…), and after each requirement a parenthesis naming who carries it out
(（县住建局牵头，县公安局、县应急局等部门分工负责）). This module turns that text into a
dictionary (see :func:`parse_notice`). It is pure Python, without Django, and names no
particular county: 市应急局, 省应急厅 and 各区县 are read exactly like 县应急局.

Roles of a responsible body (``"role"``):

- ``lead``: 牵头 (and the single body of ``X负责`` when nobody else is named);
- ``co``: the others of a 牵头 parenthesis (分工负责, 配合, 参与 …);
- ``joint``: everyone of ``X、Y等部门分工负责``, ``X等部门负责``, ``X和Y负责``;
- ``supervise``: 督促企业落实 / 督促落实 (the body supervises enterprises carrying it out).

Classes of bodies (县负有安全监管职责的部门, 县有关部门, 乡镇人民政府, 各区县 …) are entries
with ``"class": true`` and a ``"class_kind"``; they are not single organisations.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = [
    "NoticeError",
    "ROLE_LABELS",
    "cn_to_int",
    "int_to_cn",
    "outline",
    "parse_notice",
    "parse_notice_bytes",
    "parse_responsibility",
]


class NoticeError(ValueError):
    """The input is not a notice this parser can read; the message names the problem."""


# --- Chinese numerals -----------------------------------------------------------------------

_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100}
_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)


def cn_to_int(numeral: str) -> int:
    """``"二十一"`` → 21, ``"十"`` → 10, ``"一百零五"`` → 105."""
    if not numeral:
        raise ValueError("empty numeral")
    total, digit = 0, None
    for ch in numeral:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + (digit or 0)


def int_to_cn(n: int) -> str:
    """21 → ``"二十一"``, 10 → ``"十"`` (the forms notices use for 1–999)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 1000:
        raise ValueError(f"out of range: {n}")
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    text = digits[hundreds] + "百"
    if rest == 0:
        return text
    if rest < 10:
        return text + "零" + digits[rest]
    return text + digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else "")


# --- characters -----------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# CJK characters, CJK punctuation (、。〔〕) and full-width forms (，（）：；).
_WIDE = _CJK + "\u3000-\u303f\uff00-\uffef"
_SPACE_RUN = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACE_NEXT_TO_WIDE = re.compile(rf"(?<=[{_WIDE}])\s+|\s+(?=[{_WIDE}])")
_OPEN, _CLOSE = "（(", "）)"


def _despace(text: str) -> str:
    """Remove spaces next to Chinese characters: ``"平 陆 县"`` → ``"平陆县"``, ``"通   知"``."""
    return _SPACE_NEXT_TO_WIDE.sub("", text).strip()


def _nospace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _name_key(name: str) -> str:
    """Names compared for equality: full-/half-width forms unified, no spaces."""
    return _nospace(unicodedata.normalize("NFKC", name))


def _paren_depth(text: str) -> int:
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
    return depth


def _split_top(text: str, separators: str) -> list[str]:
    """Split at separators outside parentheses (各县（市、区）人民政府 stays whole)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _paren_spans(text: str) -> list[tuple[int, int, str]]:
    """Top-level parentheses of a paragraph as (start, end, inner text); one inner level of
    parentheses is kept inside (（各乡（镇）人民政府负责））. Unclosed ones are ignored."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1, text[start + 1 : i]))
    return spans


# --- line shapes ----------------------------------------------------------------------------

_SECTION_RE = re.compile(rf"^([{_NUMERAL_CHARS}]+)\s*[、．.]\s*(\S.*)$")
_ITEM_RE = re.compile(rf"^[（(]\s*([{_NUMERAL_CHARS}]+)\s*[）)]\s*[、．.]?\s*(.*)$")
_DOC_NUMBER_RE = re.compile(
    rf"[{_CJK}]{{1,12}}\s*[〔［\[【（(]\s*(?:19|20)\d\d\s*[〕］\]】）)]\s*第?\s*\d{{1,4}}\s*号"
)
_DATE_RE = re.compile(
    r"^(?:(?:19|20)\d\d|[〇零一二三四五六七八九]{4})\s*年\s*[\d〇一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d〇一二三四五六七八九十]{1,3}\s*日$"
)
_ISSUER_RE = re.compile(
    rf"^[{_CJK}（）()]{{2,40}}(?:人民政府|政府|办公室|办公厅|委员会|指挥部|领导小组|局|厅|委|部|中心|"
    r"大队|支队)$"
)
_CLOSING_RE = re.compile(r"^[（(]此件.*[）)]$|^抄送[：:]|印发$|^附件[：:]?|^特此通知[。！!]?$")
_SENTENCE_PUNCT = re.compile(r"[。；;！!？?：:，,、]")
_SUB_COLON_RE = re.compile(
    r"^(?P<title>[^\s：:，,。；;（）()、！？!?“”\"]{2,16})\s*[：:]\s*(?P<rest>\S.*)$"
)
_SUB_NUMBER_RE = re.compile(
    r"^(?:(?P<n1>\d{1,2})\s*[.．、]|[（(]\s*(?P<n2>\d{1,2})\s*[）)]|(?P<n3>[\u2460-\u2473]))"
    r"\s*(?P<rest>\S.*)$"
)


def _is_heading(line: str) -> bool:
    return bool(_SECTION_RE.match(line) or _ITEM_RE.match(line))


def _is_heading_like(line: str) -> bool:
    """A short title line without a number (推动落实全员安全责任): no sentence punctuation,
    no closing parenthesis, some Chinese."""
    text = _despace(line)
    return (
        2 <= len(text) <= 40
        and not _SENTENCE_PUNCT.search(text)
        and text[-1] not in _CLOSE
        and re.search(f"[{_CJK}]", text) is not None
        and not _DATE_RE.match(text)
    )


def _clean_lines(text: str) -> list[str]:
    text = _ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]


def _join_wrapped(lines: list[str]) -> list[str]:
    """Non-blank lines as paragraphs, re-joining lines broken after a comma or inside a
    parenthesis (text wrapped by hand or by a PDF export)."""
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        if paragraphs and joinable and not _is_heading(line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        last = paragraphs[-1]
        joinable = last[-1] in "，、,（(" or _paren_depth(last) > 0
    return paragraphs


# --- responsibility parentheses ------------------------------------------------------------

ROLE_LABELS = {"lead": "牵头", "co": "配合", "joint": "共同负责", "supervise": "督促落实"}
_ROLE_STRENGTH = {"lead": 3, "co": 2, "joint": 2, "supervise": 1}

# Verb endings of a responsibility clause and what they make of the bodies before them.
_VERBS = sorted(
    [
        ("督促企业落实", "supervise"),
        ("督促指导企业落实", "supervise"),
        ("督促落实", "supervise"),
        ("督促指导", "supervise"),
        ("监督落实", "supervise"),
        ("牵头负责", "lead"),
        ("牵头落实", "lead"),
        ("牵头抓总", "lead"),
        ("负总责", "lead"),
        ("牵头", "lead"),
        ("配合落实", "co"),
        ("配合", "co"),
        ("协助", "co"),
        ("参与", "co"),
        ("协同", "co"),
        ("按职责分工负责", "resp"),
        ("按职能职责负责", "resp"),
        ("按职责负责", "resp"),
        ("分工负责", "resp"),
        ("共同负责", "resp"),
        ("具体负责", "resp"),
        ("负责落实", "resp"),
        ("组织实施", "resp"),
        ("负责", "resp"),
        ("落实", "resp"),
    ],
    key=lambda v: -len(v[0]),
)
_LABEL_RE = re.compile(
    r"(牵头单位|牵头部门|主责单位|主办单位|责任单位|责任部门|配合单位|配合部门|协办单位|参与单位|"
    r"督导单位)[：:]"
)
_LABEL_KINDS = {
    "牵头单位": "lead",
    "牵头部门": "lead",
    "主责单位": "lead",
    "主办单位": "lead",
    "责任单位": "resp",
    "责任部门": "resp",
    "配合单位": "co",
    "配合部门": "co",
    "协办单位": "co",
    "参与单位": "co",
    "督导单位": "supervise",
}
# "X等部门", "X等有关部门", "X等": the named bodies and others not named.
_ETC_RE = re.compile(r"等(?:有关|相关|其他)?(?:部门|单位|成员单位)?$")
# A conjunction splits two bodies only after a body's ending (县安委办和有关部门), never
# inside a name (县住房和城乡建设局, 县发展和改革局).
_BODY_END_RE = re.compile(
    r"(局|办|委|队|段|中心|政府|部门|单位|厅|院|站|所|会|公司|部|处|科|室|组|团|社|馆|台|行|署|"
    r"乡镇|街道|区县|企业)$"
)
_CONJUNCTIONS = ("以及", "和", "及", "与")
# What a body's name ends with, to tell （县应急局负责） from （年底前落实）.
_PLAUSIBLE_BODY_RE = re.compile(
    r"(局|办|委|队|段|中心|政府|部门|单位|厅|院|站|所|会|公司|部|处|科|室|组|团|社|馆|台|行|署|"
    r"企业|乡|镇|县|区|市|省|旗|街道|方面)$"
)
_LEVEL_CHARS = set("省市县区旗乡镇街道（）()、")
_GOV_END_RE = re.compile(r"(?:人民政府|政府|党委(?:和|、|及)?政府|党委政府)$")


def _split_conjunctions(text: str) -> list[str]:
    for conj in _CONJUNCTIONS:
        start = 0
        while (i := text.find(conj, start)) > 0:
            left, right = text[:i], text[i + len(conj) :]
            if (
                _paren_depth(left) == 0
                and _BODY_END_RE.search(left)
                and len(right) >= 2
                and not re.fullmatch(r"(?:人民)?政府|部门|单位", right)
            ):
                return _split_conjunctions(left) + _split_conjunctions(right)
            start = i + len(conj)
    return [text]


def _class_kind(name: str) -> str | None:
    """The kind of class a name stands for (乡镇人民政府, 各区县, 县有关部门 …), or None for a
    single body."""
    key = unicodedata.normalize("NFKC", name)
    has_all = key.startswith("各")
    core = re.sub(r"^(?:各|有关|相关)", "", key)
    levels = _GOV_END_RE.sub("", core)
    if levels and set(levels) <= _LEVEL_CHARS and (has_all or len(levels) >= 2):
        if re.search("乡|镇|街道", levels):
            return "township_governments"
        if re.search("县|区|旗", levels):
            return "county_governments"
        if "市" in levels:
            return "city_governments"
        return "province_governments"
    if key.endswith("企业") and not re.search("公司|厂", key):
        return "enterprises"
    if re.search("(?:部门|单位|方面)$", key) or has_all:
        return "departments"
    return None


def _entry(name: str, role: str) -> dict[str, Any]:
    kind = _class_kind(name)
    entry: dict[str, Any] = {"name": name, "role": role, "class": kind is not None}
    if kind:
        entry["class_kind"] = kind
    return entry


def _split_names(text: str) -> tuple[list[str], bool]:
    """Bodies named in a clause, and whether it says 等 (others not named)."""
    text = re.sub(r"^由", "", text)
    etc = False
    names: list[str] = []
    for piece in _split_top(text, "、，,；;/"):
        for name in _split_conjunctions(piece):
            name, n = _ETC_RE.subn("", re.sub(r"^由", "", name).strip())
            etc = etc or bool(n)
            if name:
                names.append(name)
    return names, etc


def parse_responsibility(content: str) -> list[dict[str, Any]]:
    """The bodies of a responsibility parenthesis (its inner text), in order, each
    ``{"name", "role", "class"[, "class_kind"]}``; ``[]`` when the parenthesis is not one
    (（试行）, （2024年底前完成））.

    ``县住建局牵头，县公安局、县应急局等部门分工负责`` → 县住建局 lead, the others co;
    ``县住建局、县交运局等部门分工负责`` → joint; ``县应急局负责`` → lead (named alone);
    ``县负有安全监管职责的部门督促企业落实`` → a class of departments, supervise.
    """
    text = _nospace(content)
    text = text.replace(",", "，").replace(";", "；").replace(":", "：").rstrip("。.")
    if not text:
        return []
    groups: list[tuple[list[str], bool, str | None]] = []  # (names, etc, verb kind)
    labels = list(_LABEL_RE.finditer(text))
    if labels and labels[0].start() == 0:
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            names, etc = _split_names(text[m.end() : end].strip("，；。"))
            groups.append((names, etc, _LABEL_KINDS[m.group(1)]))
    else:
        if not any(text.endswith(verb) for verb, _ in _VERBS):
            return []
        pending: list[str] = []
        pending_etc = False
        for clause in _split_top(text, "，；"):
            verb_kind = None
            for verb, kind in _VERBS:
                if clause.endswith(verb) and len(clause) > len(verb):
                    clause, verb_kind = clause[: -len(verb)], kind
                    break
            names, etc = _split_names(clause)
            if verb_kind is None:
                # Names listed with commas before the verb that covers them.
                pending += names
                pending_etc = pending_etc or etc
                continue
            groups.append((pending + names, pending_etc or etc, verb_kind))
            pending, pending_etc = [], False
        if pending:
            groups.append((pending, pending_etc, "resp"))
    all_names = [n for names, _, _ in groups for n in names]
    if not all_names or not any(_PLAUSIBLE_BODY_RE.search(n) for n in all_names):
        return []
    kinds = {kind for _, _, kind in groups}
    has_lead = "lead" in kinds
    has_co = "co" in kinds
    entries: list[dict[str, Any]] = []
    for names, etc, kind in groups:
        for name in names:
            if kind == "resp":
                if has_lead:
                    role = "co"
                elif has_co or (len(all_names) == 1 and not etc and not _class_kind(name)):
                    role = "lead"
                else:
                    role = "joint"
            else:
                role = kind
            entries.append(_entry(name, role))
    return _union([entries])


def _union(lists: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Entries in order of first mention, one per name, keeping the strongest role
    (lead > co / joint > supervise)."""
    out: dict[str, dict[str, Any]] = {}
    for entries in lists:
        for entry in entries:
            key = _name_key(entry["name"])
            if key not in out:
                out[key] = dict(entry)
            elif _ROLE_STRENGTH[entry["role"]] > _ROLE_STRENGTH[out[key]["role"]]:
                out[key]["role"] = entry["role"]
    return list(out.values())


def _clauses(paragraphs: list[str], subitem: str | None = None) -> list[dict[str, Any]]:
    """Each requirement sentence-group with its own parenthesis: the text since the previous
    parenthesis, the parenthesis, and its bodies. Text after the last parenthesis becomes a
    clause without bodies."""
    clauses: list[dict[str, Any]] = []
    pending: list[str] = []

    def add(text: str) -> None:
        text = text.strip().lstrip("。；;，,").strip()
        if text:
            pending.append(text)

    for paragraph in paragraphs:
        pos = 0
        for start, end, inner in _paren_spans(paragraph):
            entries = parse_responsibility(inner)
            if not entries:
                continue
            add(paragraph[pos:start])
            clauses.append(
                {
                    "text": "\n".join(pending),
                    "parenthesis": inner,
                    "responsible": entries,
                    "subitem": subitem,
                }
            )
            pending, pos = [], end
        add(paragraph[pos:])
    if pending:
        clauses.append(
            {"text": "\n".join(pending), "parenthesis": None, "responsible": [], "subitem": subitem}
        )
    return clauses


# --- items and sub-items --------------------------------------------------------------------


def _subitem_marker(paragraph: str) -> tuple[str, str, str] | None:
    """(number, title, rest) of a sub-paragraph start (森林草原火灾：…, 1. …, （1）…)."""
    if m := _SUB_NUMBER_RE.match(paragraph):
        number = m["n1"] or m["n2"] or m["n3"]
        rest = m["rest"]
        head = re.match(r"^([^。：:；;]{1,30})[。：:]\s*(\S.*)$", rest)
        if head:
            return number, head[1], head[2]
        return number, "", rest
    if m := _SUB_COLON_RE.match(paragraph):
        return "", m["title"], m["rest"]
    return None


def _subitems(paragraphs: list[str]) -> tuple[list[str], list[dict[str, Any]]] | None:
    """Split an item's paragraphs into an introduction and sub-items when at least two
    sub-paragraphs each end in a parenthesis of their own; otherwise None."""
    marks = [i for i, p in enumerate(paragraphs) if _subitem_marker(p)]
    if len(marks) < 2:
        return None
    subs = []
    for n, start in enumerate(marks):
        end = marks[n + 1] if n + 1 < len(marks) else len(paragraphs)
        number, title, rest = _subitem_marker(paragraphs[start])
        body = [rest, *paragraphs[start + 1 : end]]
        clauses = _clauses(body, subitem=title or number)
        if not any(c["responsible"] for c in clauses):
            return None
        subs.append(
            {
                "number": number,
                "title": title,
                "text": "\n".join(body),
                "responsible": _union([c["responsible"] for c in clauses]),
                "clauses": clauses,
            }
        )
    return paragraphs[: marks[0]], subs


def _item(number: int, inferred: bool, title: str, paragraphs: list[str]) -> dict[str, Any]:
    split = _subitems(paragraphs)
    if split:
        intro, subitems = split
        clauses = _clauses(intro) + [c for s in subitems for c in s["clauses"]]
    else:
        subitems, clauses = [], _clauses(paragraphs)
    return {
        "number": f"（{int_to_cn(number)}）",
        "inferred": inferred,
        "title": title,
        "text": "\n".join(paragraphs),
        "responsible": _union([c["responsible"] for c in clauses]),
        "subitems": subitems,
        "clauses": clauses,
    }


def _title_and_rest(text: str) -> tuple[str, str]:
    """A heading line may carry its first sentence: ``严格落实党政领导责任。坚持…``."""
    text = text.strip()
    m = re.match(r"^([^。：:]{1,40})[。：:]\s*(.*)$", text)
    if m and m[2]:
        return _despace(m[1]), m[2]
    return _despace(text.rstrip("。")), ""


# --- header and closing ---------------------------------------------------------------------


def _split_closing(lines: list[str], issuer: str = "") -> tuple[list[str], list[str]]:
    """Separate the signature block (issuer, date, 此件公开发布, 抄送, 特此通知 …) from the
    body."""
    i = len(lines)
    tail: list[str] = []
    while i > 0:
        text = _despace(lines[i - 1])
        if not text:
            i -= 1
            continue
        if (
            _DATE_RE.match(text)
            or _CLOSING_RE.search(text)
            or (_ISSUER_RE.match(text) and not _is_heading(text))
        ):
            tail.insert(0, text)
            i -= 1
            continue
        break
    if any(_DATE_RE.match(t) or _CLOSING_RE.search(t) or (issuer and t == issuer) for t in tail):
        return lines[:i], tail
    return lines, []


def _parse_header(lines: list[str]) -> dict[str, Any]:
    nonblank = [line for line in lines if line]
    addressee_at = next(
        (
            i
            for i, line in enumerate(nonblank)
            if line[-1] in "：:" and len(line) <= 200 and not _DOC_NUMBER_RE.search(line)
        ),
        None,
    )
    if addressee_at is None:
        # No addressee line: the header is the leading run of short lines.
        addressee_at = 0
        while addressee_at < len(nonblank):
            text = _despace(nonblank[addressee_at])
            if len(text) > 40 or text[-1] in "。；;":
                break
            addressee_at += 1
        top, addressee_line, rest = nonblank[:addressee_at], "", nonblank[addressee_at:]
    else:
        top = nonblank[:addressee_at]
        addressee_line = nonblank[addressee_at]
        rest = nonblank[addressee_at + 1 :]

    doc_number = ""
    issuer_from_file = ""
    issuers: list[str] = []
    title_parts: list[str] = []
    for line in top:
        text = _despace(line)
        if m := _DOC_NUMBER_RE.search(text):
            doc_number = doc_number or _nospace(m.group(0))
            remainder = (text[: m.start()] + text[m.end() :]).strip()
            if remainder and _ISSUER_RE.match(remainder):
                issuers.append(remainder)
            continue
        if text.endswith("文件") and len(text) <= 40 and not title_parts:
            issuer_from_file = text[: -len("文件")]
            continue
        if title_parts or "关于" in text or not _ISSUER_RE.match(text):
            title_parts.append(text)
        else:
            issuers.append(text)
    title = "".join(title_parts)
    if (i := title.find("关于")) > 0 and _ISSUER_RE.match(title[:i]):
        issuers.append(title[:i])
        title = title[i:]
    issuer = issuers[0] if issuers else issuer_from_file
    # Groups of addressees are separated by commas; 、 joins within a group (各委、厅).
    addressees = _split_top(_despace(addressee_line).rstrip("：:"), "，,；;")
    return {
        "title": title,
        "doc_number": doc_number,
        "issuer": issuer,
        "addressees": addressees,
        "preamble": "\n".join(_join_wrapped(rest)),
    }


# --- the notice ----------------------------------------------------------------------------


def parse_notice_bytes(data: bytes) -> dict[str, Any]:
    """Parse the bytes of a notice file (UTF-8, with or without a BOM)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NoticeError("the notice is UTF-16 text, not UTF-8: convert it to UTF-8 first")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it may be GBK/GB18030: convert it with `iconv -f GB18030 -t UTF-8`)"
        except UnicodeDecodeError:
            pass
        raise NoticeError(
            f"the notice is not UTF-8 text: invalid byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start}{hint}"
        ) from None
    return parse_notice(text)


def parse_notice(text: str) -> dict[str, Any]:
    """Parse a notice's text into::

        {"title", "doc_number", "issuer", "addressees", "preamble",
         "sections": [{"number": "一", "title", "text", "items": [
             {"number": "（一）", "inferred": false, "title", "text",
              "responsible": [{"name", "role", "class"[, "class_kind"]}],
              "subitems": [{"number", "title", "text", "responsible", "clauses"}],
              "clauses": [{"text", "parenthesis", "responsible", "subitem"}]}]}],
         "date", "closing", "warnings"}

    An item heading without its number (a short title line between items) gets the number
    its place implies and ``"inferred": true``. Raises :class:`NoticeError` for an empty
    text or one without sections.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise NoticeError("the notice is empty")
    lines = _clean_lines(text)
    first = next((i for i, line in enumerate(lines) if _SECTION_RE.match(line)), None)
    if first is None:
        raise NoticeError(
            "no sections found: expected section headings such as “一、…” at the start of a line"
        )
    header = _parse_header(lines[:first])
    body, closing = _split_closing(lines[first:], header["issuer"])
    if not header["issuer"]:
        header["issuer"] = next(
            (t for t in closing if _ISSUER_RE.match(t) and not _DATE_RE.match(t)), ""
        )
    date = next((t for t in closing if _DATE_RE.match(t)), "")

    paragraphs = _join_wrapped(body)
    sections: list[dict[str, Any]] = []
    # Items as collected: [section index, number or None, title, paragraphs]
    raw_items: list[list[Any]] = []
    section_text: dict[int, list[str]] = {}
    skip = False
    for i, para in enumerate(paragraphs):
        if skip:
            skip = False
            continue
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if m := _SECTION_RE.match(para):
            title, rest = _title_and_rest(m[2])
            sections.append({"number": m[1], "title": title, "text": "", "items": []})
            section_text[len(sections) - 1] = [rest] if rest else []
            continue
        if m := _ITEM_RE.match(para):
            title, rest = _title_and_rest(m[2])
            if not title and following and _is_heading_like(following):
                title, skip = _despace(following), True
            raw_items.append([len(sections) - 1, cn_to_int(m[1]), title, [rest] if rest else []])
            continue
        if (
            _is_heading_like(para)
            and following is not None
            and not _is_heading(following)
            and not _is_heading_like(following)
        ):
            raw_items.append([len(sections) - 1, None, _despace(para), []])
            continue
        if raw_items and raw_items[-1][0] == len(sections) - 1:
            raw_items[-1][3].append(para)
        else:
            section_text[len(sections) - 1].append(para)

    warnings: list[str] = []
    numbers = _infer_numbers(raw_items, warnings)
    for (sec, _number, title, paras), (n, inferred) in zip(raw_items, numbers, strict=True):
        item = _item(n, inferred, title, paras)
        if not item["responsible"]:
            warnings.append(f"item {item['number']} {title} names no responsible body")
        sections[sec]["items"].append(item)
    for index, section in enumerate(sections):
        section["text"] = "\n".join(section_text[index])
        if not section["items"]:
            warnings.append(f"section {section['number']}、{section['title']} has no items")
    return {
        **header,
        "sections": sections,
        "date": date,
        "closing": closing,
        "warnings": warnings,
    }


def _infer_numbers(raw_items: list[list[Any]], warnings: list[str]) -> list[tuple[int, bool]]:
    """Numbers for items written without one: one more than the item before it in the same
    section, else one less than the next numbered one there (minus the unnumbered between),
    else one more than the item before in the notice."""
    result: list[tuple[int, bool]] = []
    for i, (sec, number, title, _paras) in enumerate(raw_items):
        if number is not None:
            result.append((number, False))
            continue
        if i > 0 and raw_items[i - 1][0] == sec:
            n = result[i - 1][0] + 1
        else:
            later = [
                (j, raw_items[j][1])
                for j in range(i + 1, len(raw_items))
                if raw_items[j][0] == sec and raw_items[j][1] is not None
            ]
            if later:
                j, next_number = later[0]
                n = next_number - (j - i)
            else:
                n = result[i - 1][0] + 1 if i > 0 else 1
        n = max(n, 1)
        result.append((n, True))
        warnings.append(f"item {title} has no number in the text; inferred （{int_to_cn(n)}）")
    for i in range(1, len(result)):
        prev, cur = result[i - 1][0], result[i][0]
        new_section = raw_items[i][0] != raw_items[i - 1][0]
        if cur != prev + 1 and not (new_section and cur == 1):
            warnings.append(
                f"item numbering: （{int_to_cn(cur)}） follows （{int_to_cn(prev)}）"
                if cur > 0
                else "item numbering out of order"
            )
    return result


# --- human outline ---------------------------------------------------------------------------


def _bodies(entries: list[dict[str, Any]]) -> str:
    parts = []
    for e in entries:
        label = ROLE_LABELS.get(e["role"], e["role"])
        if e.get("class"):
            label = "类别·" + label
        text = f"{e['name']}〔{label}〕"
        if e.get("org_name") and e["org_name"] != e["name"]:
            text += f"→{e['org_name']}"
        elif e.get("unmatched"):
            text += "〔未匹配〕"
        parts.append(text)
    return "、".join(parts) if parts else "（未列明）"


def outline(notice: dict[str, Any]) -> str:
    """An indented outline in Chinese: sections, items with their bodies and roles."""
    count = sum(len(s["items"]) for s in notice["sections"])
    inferred = sum(1 for s in notice["sections"] for i in s["items"] if i["inferred"])
    out = [notice["title"] or "（无标题）"]
    if notice["issuer"]:
        out.append(f"  发文机关：{notice['issuer']}")
    if notice["doc_number"]:
        out.append(f"  文号：{notice['doc_number']}")
    if notice["addressees"]:
        out.append(f"  主送：{'；'.join(notice['addressees'])}")
    summary = f"  结构：{len(notice['sections'])} 个部分，{count} 项"
    if inferred:
        summary += f"（其中 {inferred} 项序号为推断）"
    out.append(summary)
    for section in notice["sections"]:
        out.append("")
        out.append(f"{section['number']}、{section['title']}")
        for item in section["items"]:
            flag = "　〔序号推断〕" if item["inferred"] else ""
            out.append(f"  {item['number']}{item['title']}{flag}")
            if item["subitems"]:
                for sub in item["subitems"]:
                    label = sub["title"] or sub["number"]
                    out.append(f"      · {label}：{_bodies(sub['responsible'])}")
            else:
                out.append(f"      责任：{_bodies(item['responsible'])}")
    return "\n".join(out)
