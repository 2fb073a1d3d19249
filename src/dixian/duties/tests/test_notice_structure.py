"""Structure of small synthetic notices: header, sections, items (numbered and inferred),
sub-items, county / city / province wording, text variants and bad input."""

import pytest

from dixian.duties.notice_parser import (
    NoticeError,
    cn_to_int,
    int_to_cn,
    outline,
    parse_notice,
    parse_notice_bytes,
)


def items_of(notice):
    return [i for s in notice["sections"] for i in s["items"]]


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十一", 21),
        ("三十一", 31),
        ("一百零五", 105),
    ],
)
def test_chinese_numerals_both_ways(numeral, value):
    assert cn_to_int(numeral) == value
    assert int_to_cn(value) == numeral


COUNTY = """某某县人民政府文件

某政发〔2024〕2号

某 某 县 人 民 政 府
关于做好2024年防汛工作的

通     知

各乡（镇）人民政府，县直各有关单位：

为做好今年防汛工作，现通知如下。

一、落实责任

（一）压实防汛责任

明确责任人。（县水利局牵头，县应急局、县住建局等部门分工负责）

加强值守

严格执行值班制度。（县有关部门负责）

（三）强化督导

开展督查。（县安委办负责）

二、重点灾种

（四）加强重点灾种防范

山洪灾害：加强监测预警。（县水利局、县应急局等部门分工负责）
城市内涝：加强排水设施巡查。
清理排水管网。（县住建局负责）

地质灾害：开展隐患排查。（县自然资源局、县应急局等部门分工负责）
"""


def test_county_header():
    notice = parse_notice(COUNTY)
    assert notice["title"] == "关于做好2024年防汛工作的通知"
    assert notice["doc_number"] == "某政发〔2024〕2号"
    assert notice["issuer"] == "某某县人民政府"
    assert notice["addressees"] == ["各乡（镇）人民政府", "县直各有关单位"]
    assert notice["preamble"] == "为做好今年防汛工作，现通知如下。"


def test_sections_and_items():
    notice = parse_notice(COUNTY)
    assert [(s["number"], s["title"]) for s in notice["sections"]] == [
        ("一", "落实责任"),
        ("二", "重点灾种"),
    ]
    assert [(i["number"], i["title"], i["inferred"]) for i in items_of(notice)] == [
        ("（一）", "压实防汛责任", False),
        ("（二）", "加强值守", True),
        ("（三）", "强化督导", False),
        ("（四）", "加强重点灾种防范", False),
    ]
    inferred = items_of(notice)[1]
    assert inferred["text"] == "严格执行值班制度。（县有关部门负责）"
    assert notice["warnings"] == ["item 加强值守 has no number in the text; inferred （二）"]


def test_sub_items_each_with_their_own_parenthesis():
    item = items_of(parse_notice(COUNTY))[3]
    assert [s["title"] for s in item["subitems"]] == ["山洪灾害", "城市内涝", "地质灾害"]
    flood, waterlogging, geology = item["subitems"]
    assert flood["text"] == "加强监测预警。（县水利局、县应急局等部门分工负责）"
    assert [(e["name"], e["role"]) for e in flood["responsible"]] == [
        ("县水利局", "joint"),
        ("县应急局", "joint"),
    ]
    # A sub-item runs on until the next one: its second paragraph and parenthesis are its own.
    assert waterlogging["text"] == "加强排水设施巡查。\n清理排水管网。（县住建局负责）"
    assert [(e["name"], e["role"]) for e in waterlogging["responsible"]] == [("县住建局", "lead")]
    assert waterlogging["clauses"][0]["text"] == "加强排水设施巡查。\n清理排水管网。"
    assert [e["name"] for e in geology["responsible"]] == ["县自然资源局", "县应急局"]
    assert [e["name"] for e in item["responsible"]] == [
        "县水利局",
        "县应急局",
        "县住建局",
        "县自然资源局",
    ]
    assert [c["subitem"] for c in item["clauses"]] == ["山洪灾害", "城市内涝", "地质灾害"]


def test_colon_paragraphs_without_their_own_parentheses_are_not_sub_items():
    text = """关于加强安全工作的通知

一、任务

（一）加强检查

重点：矿山和危化品。
方式：明查暗访。（县应急局负责）
"""
    item = items_of(parse_notice(text))[0]
    assert item["subitems"] == []
    assert [e["name"] for e in item["responsible"]] == ["县应急局"]


def test_numbered_sub_items():
    text = """关于加强安全工作的通知

一、任务

（一）加强重点行业监管

1．矿山：开展排查。（县应急局负责）
2．燃气：开展整治。（县住建局负责）
"""
    item = items_of(parse_notice(text))[0]
    assert [(s["number"], s["title"], s["text"]) for s in item["subitems"]] == [
        ("1", "矿山", "开展排查。（县应急局负责）"),
        ("2", "燃气", "开展整治。（县住建局负责）"),
    ]


def test_item_title_on_the_same_line_as_its_first_sentence():
    text = """关于加强安全工作的通知

一、任务

（一）强化源头防范。严格安全准入。（县应急局负责）
（二）加强执法：推广远程执法。（县应急局负责）
"""
    first, second = items_of(parse_notice(text))
    assert (first["title"], first["text"]) == ("强化源头防范", "严格安全准入。（县应急局负责）")
    assert (second["title"], second["text"]) == ("加强执法", "推广远程执法。（县应急局负责）")


def test_unnumbered_first_item_of_a_section_takes_the_number_before_the_next():
    text = """关于加强安全工作的通知

一、甲

（一）第一项

内容。（县应急局负责）

二、乙

第二项无序号

内容。（县应急局负责）

（三）第三项

内容。（县应急局负责）
"""
    assert [(i["number"], i["inferred"]) for i in items_of(parse_notice(text))] == [
        ("（一）", False),
        ("（二）", True),
        ("（三）", False),
    ]


def test_unnumbered_first_item_where_numbering_restarts_per_section():
    text = """关于加强安全工作的通知

一、甲

（一）第一项

内容。（县应急局负责）

二、乙

第一项无序号

内容。（县应急局负责）

（二）第二项

内容。（县应急局负责）
"""
    assert [i["number"] for i in items_of(parse_notice(text))] == ["（一）", "（一）", "（二）"]


def test_crlf_bom_wide_spaces_and_half_width_punctuation():
    text = (
        "\ufeff某 某 县 人 民 政 府 文 件\r\n\r\n某政发〔 2024 〕3 号\r\n\r\n"
        "关于加强安全工作的通知\r\n\r\n各乡(镇)人民政府, 县直各有关单位:\r\n\r\n"
        "现通知如下。\r\n\r\n一、 任务\r\n\r\n( 一 ) 加强检查\r\n\r\n"
        "开展检查。(县住建局牵头, 县公安局 、县应急局等部门分工负责)\r\n"
    )
    notice = parse_notice(text)
    assert notice["issuer"] == "某某县人民政府"
    assert notice["doc_number"] == "某政发〔2024〕3号"
    assert notice["addressees"] == ["各乡(镇)人民政府", "县直各有关单位"]
    (item,) = items_of(notice)
    assert (item["number"], item["title"]) == ("（一）", "加强检查")
    assert [(e["name"], e["role"]) for e in item["responsible"]] == [
        ("县住建局", "lead"),
        ("县公安局", "co"),
        ("县应急局", "co"),
    ]
    assert "\r" not in item["text"]


def test_a_parenthesis_wrapped_over_two_lines():
    text = """关于加强安全工作的通知

一、任务

（一）加强检查

开展检查。（县住建局牵头，县公安局、
县应急局等部门分工负责）
"""
    (item,) = items_of(parse_notice(text))
    assert [e["name"] for e in item["responsible"]] == ["县住建局", "县公安局", "县应急局"]


CITY = """运城市人民政府文件

运政发〔2024〕3号

运城市人民政府关于做好2024年安全生产工作的通知

各县（市、区）人民政府，市直各有关单位：

现将有关事项通知如下。

一、压实安全责任

（一）落实部门监管责任。市负有安全监管职责的部门要履职尽责。（市应急局牵头，市住建局、市交通运输局等部门分工负责）

（二）强化属地管理责任

各区县要落实属地责任。（各区县人民政府负责）

二、防灾减灾

（三）森林防火

加强野外火源管控。（市林业局、市应急局和各区县负责）

运城市人民政府

2024年2月5日

（此件公开发布）
"""


def test_city_notice():
    notice = parse_notice(CITY)
    assert notice["title"] == "关于做好2024年安全生产工作的通知"
    assert notice["issuer"] == "运城市人民政府"
    assert notice["doc_number"] == "运政发〔2024〕3号"
    assert notice["addressees"] == ["各县（市、区）人民政府", "市直各有关单位"]
    first, second, third = items_of(notice)
    assert first["title"] == "落实部门监管责任"
    assert [(e["name"], e["role"]) for e in first["responsible"]] == [
        ("市应急局", "lead"),
        ("市住建局", "co"),
        ("市交通运输局", "co"),
    ]
    assert second["responsible"] == [
        {
            "name": "各区县人民政府",
            "role": "joint",
            "class": True,
            "class_kind": "county_governments",
        }
    ]
    assert [(e["name"], e["role"], e.get("class_kind")) for e in third["responsible"]] == [
        ("市林业局", "joint", None),
        ("市应急局", "joint", None),
        ("各区县", "joint", "county_governments"),
    ]


def test_signature_block_is_not_part_of_the_last_item():
    notice = parse_notice(CITY)
    last = items_of(notice)[-1]
    assert last["text"] == "加强野外火源管控。（市林业局、市应急局和各区县负责）"
    assert notice["date"] == "2024年2月5日"
    assert notice["closing"] == ["运城市人民政府", "2024年2月5日", "（此件公开发布）"]


PROVINCE = """山西省人民政府办公厅关于进一步加强安全生产工作的通知
晋政办发〔2024〕8号

各市人民政府，省人民政府各委、厅，各直属机构：

为进一步加强安全生产工作，现通知如下。

一、总体要求

各市、各部门要坚持安全第一。

二、重点任务

（一）矿山安全

加强矿山安全监管。（省应急厅、省能源局牵头，各市人民政府负责）

（二）危险化学品

加强危化品安全监管。（省应急厅负责）
"""


def test_province_notice():
    notice = parse_notice(PROVINCE)
    assert notice["title"] == "关于进一步加强安全生产工作的通知"
    assert notice["issuer"] == "山西省人民政府办公厅"
    assert notice["doc_number"] == "晋政办发〔2024〕8号"
    assert notice["addressees"] == ["各市人民政府", "省人民政府各委、厅", "各直属机构"]
    general, tasks = notice["sections"]
    assert general["items"] == []
    assert general["text"] == "各市、各部门要坚持安全第一。"
    assert "section 一、总体要求 has no items" in notice["warnings"]
    mines, chemicals = tasks["items"]
    assert (mines["number"], chemicals["number"]) == ("（一）", "（二）")
    assert [(e["name"], e["role"], e.get("class_kind")) for e in mines["responsible"]] == [
        ("省应急厅", "lead", None),
        ("省能源局", "lead", None),
        ("各市人民政府", "co", "city_governments"),
    ]
    assert [(e["name"], e["role"]) for e in chemicals["responsible"]] == [("省应急厅", "lead")]


def test_outline_in_chinese():
    text = outline(parse_notice(COUNTY))
    assert "关于做好2024年防汛工作的通知" in text
    assert "一、落实责任" in text
    assert "  （二）加强值守　〔序号推断〕" in text
    assert "县水利局〔牵头〕、县应急局〔配合〕、县住建局〔配合〕" in text
    assert "县有关部门〔类别·共同负责〕" in text
    assert "      · 城市内涝：县住建局〔牵头〕" in text


# --- bad input -------------------------------------------------------------------------------


def test_not_utf8():
    data = COUNTY.encode("gb18030")
    with pytest.raises(NoticeError, match="not UTF-8.*GB18030"):
        parse_notice_bytes(data)


def test_utf16_is_named():
    with pytest.raises(NoticeError, match="UTF-16"):
        parse_notice_bytes(COUNTY.encode("utf-16"))


@pytest.mark.parametrize("data", [b"", b"   \r\n\n\t", "\ufeff".encode(), "\u3000\n".encode()])
def test_empty(data):
    with pytest.raises(NoticeError, match="empty"):
        parse_notice_bytes(data)


def test_no_sections():
    with pytest.raises(NoticeError, match="no sections"):
        parse_notice("关于加强安全工作的通知\n\n各单位：\n\n一是加强检查。二是落实责任。\n")


def test_utf8_with_bom_bytes():
    notice = parse_notice_bytes(b"\xef\xbb\xbf" + CITY.encode())
    assert notice["issuer"] == "运城市人民政府"


def test_closing_words_and_an_undated_signature_are_not_item_text():
    notice = parse_notice(COUNTY + "\n特此通知。\n\n某某县人民政府\n")
    last = items_of(notice)[-1]
    assert last["subitems"][-1]["text"] == "开展隐患排查。（县自然资源局、县应急局等部门分工负责）"
    assert notice["closing"] == ["特此通知。", "某某县人民政府"]
    assert notice["date"] == ""
