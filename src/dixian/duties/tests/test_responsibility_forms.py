"""Every form of responsibility parenthesis, one test each (parse_responsibility takes the
text inside the parenthesis)."""

import pytest

from dixian.duties.notice_parser import parse_notice, parse_responsibility


def roles(content):
    return [(e["name"], e["role"]) for e in parse_responsibility(content)]


def test_lead_then_co_departments():
    assert roles("县住建局牵头，县公安局、县自然资源局、县应急局等部门分工负责") == [
        ("县住建局", "lead"),
        ("县公安局", "co"),
        ("县自然资源局", "co"),
        ("县应急局", "co"),
    ]


def test_several_departments_sharing_the_work_are_joint():
    assert roles("县住建局、县交运局、县应急局等部门分工负责") == [
        ("县住建局", "joint"),
        ("县交运局", "joint"),
        ("县应急局", "joint"),
    ]


def test_one_department_and_others_is_joint():
    assert roles("县应急局等部门负责") == [("县应急局", "joint")]
    assert roles("县安委办等有关部门负责") == [("县安委办", "joint")]


def test_one_department_alone_leads():
    assert roles("县应急局负责") == [("县应急局", "lead")]


def test_x_and_y_responsible():
    assert roles("县应急局和县住建局负责") == [("县应急局", "joint"), ("县住建局", "joint")]
    assert roles("县应急局及县住建局负责") == [("县应急局", "joint"), ("县住建局", "joint")]
    assert roles("县应急局与县住建局负责") == [("县应急局", "joint"), ("县住建局", "joint")]


def test_and_inside_a_department_name_does_not_split_it():
    assert roles("县住房和城乡建设局和县文化和旅游局负责") == [
        ("县住房和城乡建设局", "joint"),
        ("县文化和旅游局", "joint"),
    ]
    assert roles("县发展和改革局、县工业和信息化局等部门分工负责") == [
        ("县发展和改革局", "joint"),
        ("县工业和信息化局", "joint"),
    ]


def test_class_of_supervising_departments_supervises_enterprises():
    assert parse_responsibility("县负有安全监管职责的部门督促企业落实") == [
        {
            "name": "县负有安全监管职责的部门",
            "role": "supervise",
            "class": True,
            "class_kind": "departments",
        }
    ]


def test_class_of_supervising_departments_responsible_is_joint():
    assert parse_responsibility("县负有安全监管职责的部门负责") == [
        {
            "name": "县负有安全监管职责的部门",
            "role": "joint",
            "class": True,
            "class_kind": "departments",
        }
    ]


def test_named_departments_supervising():
    entries = parse_responsibility("县工科局、县应急局等部门督促落实")
    assert [(e["name"], e["role"], e["class"]) for e in entries] == [
        ("县工科局", "supervise", False),
        ("县应急局", "supervise", False),
    ]


def test_relevant_departments_of_the_county():
    assert parse_responsibility("县有关部门负责") == [
        {"name": "县有关部门", "role": "joint", "class": True, "class_kind": "departments"}
    ]
    assert parse_responsibility("县有关部门分工负责")[0]["role"] == "joint"


def test_office_townships_and_relevant_departments():
    entries = parse_responsibility("县安委办和乡镇人民政府及有关部门负责")
    assert [(e["name"], e["role"], e.get("class_kind")) for e in entries] == [
        ("县安委办", "joint", None),
        ("乡镇人民政府", "joint", "township_governments"),
        ("有关部门", "joint", "departments"),
    ]


def test_office_and_county_relevant_departments():
    assert [(e["name"], e["class"]) for e in parse_responsibility("县安委办和县有关部门负责")] == [
        ("县安委办", False),
        ("县有关部门", True),
    ]


@pytest.mark.parametrize(
    "name", ["各乡（镇）人民政府", "各乡(镇)人民政府", "乡镇人民政府", "各乡镇"]
)
def test_township_governments_are_a_class(name):
    (entry,) = parse_responsibility(f"{name}负责")
    assert entry["class"] is True
    assert entry["class_kind"] == "township_governments"
    assert entry["name"] == name


def test_responsible_then_cooperating():
    assert roles("县应急局负责，县住建局、县交运局配合") == [
        ("县应急局", "lead"),
        ("县住建局", "co"),
        ("县交运局", "co"),
    ]


def test_labelled_form():
    assert roles("牵头单位：县应急局；配合单位：县住建局、县交运局") == [
        ("县应急局", "lead"),
        ("县住建局", "co"),
        ("县交运局", "co"),
    ]
    assert roles("责任单位：县应急局、县住建局") == [("县应急局", "joint"), ("县住建局", "joint")]


def test_names_listed_with_commas_share_the_verb():
    assert roles("县住建局，县交运局等部门负责") == [("县住建局", "joint"), ("县交运局", "joint")]


def test_punctuation_and_space_variants():
    expected = [("县住建局", "lead"), ("县公安局", "co"), ("县应急局", "co")]
    assert roles("县住建局牵头, 县公安局 、县应急局等部门分工负责") == expected
    assert roles(" 县住建局 牵头；县公安局、县应急局等部门分工负责。") == expected


def test_city_level_names_and_county_governments():
    entries = parse_responsibility("市应急局牵头，市住建局等部门和各区县人民政府负责")
    assert [(e["name"], e["role"], e.get("class_kind")) for e in entries] == [
        ("市应急局", "lead", None),
        ("市住建局", "co", None),
        ("各区县人民政府", "co", "county_governments"),
    ]
    (entry,) = parse_responsibility("各县（市、区）人民政府负责")
    assert entry["class_kind"] == "county_governments"
    assert parse_responsibility("各区县负责")[0]["class_kind"] == "county_governments"


def test_province_level_names_and_city_governments():
    entries = parse_responsibility("省应急厅、省能源局牵头，各市人民政府负责")
    assert [(e["name"], e["role"], e.get("class_kind")) for e in entries] == [
        ("省应急厅", "lead", None),
        ("省能源局", "lead", None),
        ("各市人民政府", "co", "city_governments"),
    ]


@pytest.mark.parametrize("content", ["试行", "2024年底前完成", "含尾矿库", "示例", "年内落实"])
def test_other_parentheses_are_not_responsibility(content):
    assert parse_responsibility(content) == []


# --- several parentheses in one item --------------------------------------------------------

NOTICE = """关于做好安全生产工作的通知

各乡（镇）人民政府，县直各有关单位：

现将有关事项通知如下。

一、压实责任

（一）强化源头防范

严格安全准入。（县工科局、县应急局等部门督促落实）联合审查项目（含技改项目）。（县应急局牵头，县工科局配合）规范设计审查。（各乡（镇）人民政府负责）
"""


def test_several_parentheses_in_one_item_union_with_strongest_role():
    item = parse_notice(NOTICE)["sections"][0]["items"][0]
    assert [(e["name"], e["role"]) for e in item["responsible"]] == [
        ("县工科局", "co"),  # supervise, then co
        ("县应急局", "lead"),  # supervise, then lead
        ("各乡（镇）人民政府", "joint"),
    ]
    assert [c["text"] for c in item["clauses"]] == [
        "严格安全准入。",
        "联合审查项目（含技改项目）。",
        "规范设计审查。",
    ]
    assert [c["parenthesis"] for c in item["clauses"]] == [
        "县工科局、县应急局等部门督促落实",
        "县应急局牵头，县工科局配合",
        "各乡（镇）人民政府负责",
    ]
    assert [[e["role"] for e in c["responsible"]] for c in item["clauses"]] == [
        ["supervise", "supervise"],
        ["lead", "co"],
        ["joint"],
    ]


def test_text_after_the_last_parenthesis_is_a_clause_without_bodies():
    text = NOTICE.replace("（各乡（镇）人民政府负责）", "（各乡（镇）人民政府负责）年底前完成。")
    item = parse_notice(text)["sections"][0]["items"][0]
    assert item["clauses"][-1] == {
        "text": "年底前完成。",
        "parenthesis": None,
        "responsible": [],
        "subitem": None,
    }
