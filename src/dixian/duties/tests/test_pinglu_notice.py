"""The founding notice, 平政发〔2024〕1号, parsed whole."""

import re
from pathlib import Path

import pytest

from dixian.duties.notice_parser import int_to_cn, parse_notice_bytes

PINGLU = Path(__file__).parent / "data" / "pinglu-2024-work-safety-notice.txt"


@pytest.fixture(scope="module")
def notice():
    return parse_notice_bytes(PINGLU.read_bytes())


@pytest.fixture(scope="module")
def items(notice):
    return {i["number"]: i for s in notice["sections"] for i in s["items"]}


def names_roles(entries):
    return [(e["name"], e["role"]) for e in entries]


def test_header(notice):
    assert notice["title"] == "关于做好2024年安全生产工作的通知"
    assert notice["doc_number"] == "平政发〔2024〕1号"
    assert notice["issuer"] == "平陆县人民政府"
    assert notice["addressees"] == ["各乡（镇）人民政府", "县直各有关单位"]
    assert notice["preamble"].startswith("2024年，全县安全生产工作要以")
    assert notice["preamble"].endswith("守牢守稳安全底线。")


def test_seven_sections(notice):
    assert [s["number"] for s in notice["sections"]] == list("一二三四五六七")
    assert notice["sections"][0]["title"] == "健全落实安全责任体系，更好统筹发展和安全"
    assert notice["sections"][6]["title"] == "严格调查评估和巡查考核，倒逼制度措施落实落细"
    assert [len(s["items"]) for s in notice["sections"]] == [4, 4, 10, 3, 4, 3, 3]


def test_thirty_one_items_numbered_in_order(notice, items):
    assert list(items) == [f"（{int_to_cn(n)}）" for n in range(1, 32)]
    assert items["（十）"]["title"] == "煤矿领域专项整治"
    assert items["（三十一）"]["title"] == "严格责任倒查追究"


def test_item_four_is_inferred_and_flagged(notice, items):
    inferred = [i["number"] for i in items.values() if i["inferred"]]
    assert inferred == ["（四）"]
    four = items["（四）"]
    assert four["title"] == "推动落实全员安全责任"
    assert four["text"].startswith("建立健全从主要负责人到一线从业人员的全员安全生产责任制。")
    assert four["responsible"] == [
        {
            "name": "县负有安全监管职责的部门",
            "role": "supervise",
            "class": True,
            "class_kind": "departments",
        }
    ]
    assert notice["warnings"] == [
        "item 推动落实全员安全责任 has no number in the text; inferred （四）"
    ]
    # The item before it keeps its own text.
    assert items["（三）"]["text"].endswith("（县负有安全监管职责的部门督促企业落实）")
    assert "推动落实全员安全责任" not in items["（三）"]["text"]


def test_item_twenty_one_has_five_sub_items_with_their_departments(items):
    item = items["（二十一）"]
    subs = {s["title"]: names_roles(s["responsible"]) for s in item["subitems"]}
    assert subs == {
        "森林草原火灾": [("县林业局", "lead"), ("县应急局", "co"), ("县公安局", "co")],
        "水旱灾害": [
            ("县住建局", "joint"),
            ("县水利局", "joint"),
            ("县农业农村局", "joint"),
            ("县应急局", "joint"),
        ],
        "地质灾害": [("县自然资源局", "joint"), ("县应急局", "joint")],
        "地震灾害": [("县防震减灾中心", "joint"), ("县应急局", "joint")],
        "气象灾害": [("县气象局", "joint"), ("县应急局", "joint")],
    }
    assert list(subs) == ["森林草原火灾", "水旱灾害", "地质灾害", "地震灾害", "气象灾害"]
    assert item["subitems"][3]["text"].startswith("配合做好实施山西地震烈度速报与预警工程。")
    assert names_roles(item["responsible"]) == [
        ("县林业局", "lead"),
        ("县应急局", "co"),
        ("县公安局", "co"),
        ("县住建局", "joint"),
        ("县水利局", "joint"),
        ("县农业农村局", "joint"),
        ("县自然资源局", "joint"),
        ("县防震减灾中心", "joint"),
        ("县气象局", "joint"),
    ]


def test_item_two_four_parentheses_union(items):
    item = items["（二）"]
    assert [c["parenthesis"] for c in item["clauses"]] == [
        "县负有安全监管职责的部门负责",
        "县行政审批局等有关部门分工负责",
        "县负有安全监管职责的部门负责",
        "县住建局、县交运局、县应急局、县市场监管局、县工科局、县自然资源局、县消防救援大队等部门分工负责",
    ]
    assert item["clauses"][0]["text"] == "动态完善监管部门安全生产权责清单。"
    assert item["clauses"][2]["text"] == "坚持实施安全生产挂牌责任制。"
    assert names_roles(item["responsible"]) == [
        ("县负有安全监管职责的部门", "joint"),
        ("县行政审批局", "joint"),
        ("县住建局", "joint"),
        ("县交运局", "joint"),
        ("县应急局", "joint"),
        ("县市场监管局", "joint"),
        ("县工科局", "joint"),
        ("县自然资源局", "joint"),
        ("县消防救援大队", "joint"),
    ]


def test_item_five_three_parentheses(items):
    item = items["（五）"]
    assert [names_roles(c["responsible"]) for c in item["clauses"]] == [
        [("县工科局", "supervise"), ("县应急局", "supervise")],
        [("县发改局", "joint"), ("县应急局", "joint"), ("县行政审批局", "joint")],
        [("县发改局", "joint"), ("县自然资源局", "joint"), ("县应急局", "joint")],
    ]
    assert names_roles(item["responsible"]) == [
        ("县工科局", "supervise"),
        ("县应急局", "joint"),
        ("县发改局", "joint"),
        ("县行政审批局", "joint"),
        ("县自然资源局", "joint"),
    ]


def test_item_one_office_townships_and_departments(items):
    assert [
        (e["name"], e["role"], e.get("class_kind")) for e in items["（一）"]["responsible"]
    ] == [
        ("县安委办", "joint", None),
        ("乡镇人民政府", "joint", "township_governments"),
        ("有关部门", "joint", "departments"),
    ]


def test_item_fifteen_lead_and_co(items):
    assert names_roles(items["（十五）"]["responsible"]) == [
        ("县住建局", "lead"),
        ("县公安局", "co"),
        ("县自然资源局", "co"),
        ("县农业农村局", "co"),
        ("县行政审批局", "co"),
        ("县应急局", "co"),
        ("县市场监管局", "co"),
        ("县消防救援大队", "co"),
    ]


def test_every_responsibility_parenthesis_becomes_a_clause(items):
    # Counted independently of the parser: parentheses ending in 负责 or 落实.
    raw = PINGLU.read_text(encoding="utf-8")
    expected = re.findall(r"（([^（）]*(?:负责|落实))）", raw)
    clauses = [c for i in items.values() for c in i["clauses"]]
    assert [c["parenthesis"] for c in clauses] == expected
    assert len(clauses) == 41
    assert all(c["responsible"] and c["text"] for c in clauses)
    assert all(i["responsible"] for i in items.values())


def test_every_named_department(items):
    named = {e["name"] for i in items.values() for e in i["responsible"] if not e["class"]}
    assert named == {
        "县安委办",
        "县行政审批局",
        "县住建局",
        "县交运局",
        "县应急局",
        "县市场监管局",
        "县工科局",
        "县自然资源局",
        "县消防救援大队",
        "县发改局",
        "县文旅局",
        "县交警队",
        "县农业农村局",
        "县水利局",
        "公路段",
        "县公安局",
        "县教育局",
        "县民政局",
        "县卫健局",
        "县林业局",
        "县防震减灾中心",
        "县气象局",
        "县财政局",
    }
    classes = {
        (e["name"], e["class_kind"]) for i in items.values() for e in i["responsible"] if e["class"]
    }
    assert classes == {
        ("县负有安全监管职责的部门", "departments"),
        ("县有关部门", "departments"),
        ("有关部门", "departments"),
        ("乡镇人民政府", "township_governments"),
    }
