"""Names in a notice matched to organisations: the demo world (db) and a plain index."""

from pathlib import Path

import pytest

from dixian.duties.matching import OrgIndex, OrgRecord, annotate, responsible_entries
from dixian.duties.notice_parser import parse_notice, parse_notice_bytes

PINGLU = Path(__file__).parent / "data" / "pinglu-2024-work-safety-notice.txt"


@pytest.fixture
def index(db):
    return OrgIndex.from_db()


def test_every_department_named_in_the_pinglu_notice_matches_a_demo_organisation(index):
    from dixian.core.models import Organisation

    notice = parse_notice_bytes(PINGLU.read_bytes())
    unmatched = annotate(notice, index)
    assert unmatched == {}
    named = [e for _n, e in responsible_entries(notice) if not e["class"]]
    assert len({e["name"] for e in named}) == 23
    for entry in named:
        org = Organisation.objects.get(pk=entry["org_id"])
        assert org.name == entry["org_name"]
        assert "unmatched" not in entry
    by_name = {e["name"]: e["org_name"] for e in named}
    assert by_name["县交警队"] == "平陆县公安局交通警察大队"
    assert by_name["县应急局"] == "平陆县应急管理局"
    assert by_name["公路段"] == "平陆公路管理段"
    assert by_name["县行政审批局"] == "平陆县行政审批服务管理局"


def test_classes_are_not_matched_to_a_single_organisation(index):
    notice = parse_notice_bytes(PINGLU.read_bytes())
    annotate(notice, index)
    classes = [e for _n, e in responsible_entries(notice) if e["class"]]
    assert classes
    assert not any("org_id" in e or "unmatched" in e for e in classes)


@pytest.mark.parametrize(
    ("name", "org_name", "how"),
    [
        ("县应急局", "平陆县应急管理局", "short_name"),
        ("县应急管理局", "平陆县应急管理局", "alias"),
        ("平陆县应急管理局", "平陆县应急管理局", "name"),
        ("应急管理局", "平陆县应急管理局", "rule"),
        ("县交警队", "平陆县公安局交通警察大队", "short_name"),
        ("县公安局交警大队", "平陆县公安局交通警察大队", "alias"),
        ("县公安局交通警察大队", "平陆县公安局交通警察大队", "rule"),
        ("县交通警察大队", "平陆县公安局交通警察大队", "rule"),
        ("县市场监督管理局", "平陆县市场监督管理局", "rule"),
        ("县住房和城乡建设局", "平陆县住房和城乡建设局", "rule"),
        ("县交通运输局", "平陆县交通运输局", "rule"),
        ("县行政审批服务管理局", "平陆县行政审批服务管理局", "rule"),
        ("县安全生产委员会办公室", "平陆县安全生产委员会办公室", "rule"),
        ("县 应急局", "平陆县应急管理局", "short_name"),
        ("县人民政府", "平陆县人民政府", "rule"),
        ("曹川镇人民政府", "曹川镇人民政府", "name"),
    ],
)
def test_names_short_names_aliases_and_rules(index, name, org_name, how):
    match = index.match(name)
    assert match.matched, name
    assert (match.org.name, match.how) == (org_name, how)


@pytest.mark.parametrize(
    "name", ["市应急局", "省应急厅", "运城市应急管理局", "县不存在局", "县人社局"]
)
def test_names_without_an_organisation_are_unmatched(index, name):
    match = index.match(name)
    assert not match.matched
    assert match.candidates == []


def test_a_city_notice_reports_its_names_as_unmatched(index):
    notice = parse_notice(
        "关于做好安全生产工作的通知\n\n各县（市、区）人民政府：\n\n一、任务\n\n"
        "（一）加强监管\n\n开展检查。（市应急局牵头，市住建局、县应急局等部门和各区县负责）\n"
    )
    unmatched = annotate(notice, index)
    assert unmatched == {
        "市应急局": {"items": ["（一）"], "candidates": []},
        "市住建局": {"items": ["（一）"], "candidates": []},
    }
    entries = {e["name"]: e for e in notice["sections"][0]["items"][0]["responsible"]}
    assert entries["市应急局"]["unmatched"] is True
    assert entries["县应急局"]["org_name"] == "平陆县应急管理局"
    assert "org_id" not in entries["各区县"]


# --- the index without a database ------------------------------------------------------------


def test_ambiguous_name_lists_candidates():
    index = OrgIndex(
        [
            OrgRecord(1, "代县应急管理局", level="county"),
            OrgRecord(2, "平陆县应急管理局", level="county"),
        ]
    )
    match = index.match("县应急局")
    assert not match.matched
    assert [r.id for r in match.candidates] == [1, 2]


def test_level_picks_between_county_and_city():
    index = OrgIndex(
        [
            OrgRecord(1, "甲县应急管理局", level="county"),
            OrgRecord(2, "丙市应急管理局", level="city"),
            OrgRecord(3, "丁省应急管理厅", level="province"),
        ]
    )
    assert index.match("县应急局").org.id == 1
    assert index.match("市应急局").org.id == 2
    assert index.match("省应急厅").org.id == 3


def test_enterprises_match_only_by_exact_name():
    index = OrgIndex([OrgRecord(1, "某某县应急管理有限公司", kind="enterprise", level="county")])
    assert not index.match("县应急管理有限公司").matched
    assert index.match("某某县应急管理有限公司").org.id == 1
