"""``dixian notice parse FILE [--json] [--match]``."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

PINGLU = Path(__file__).parent / "data" / "pinglu-2024-work-safety-notice.txt"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("notice", "parse", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def test_json():
    out, err = run(str(PINGLU), "--json")
    notice = json.loads(out)
    assert list(notice)[:6] == [
        "title",
        "doc_number",
        "issuer",
        "addressees",
        "preamble",
        "sections",
    ]
    assert len(notice["sections"]) == 7
    assert sum(len(s["items"]) for s in notice["sections"]) == 31
    item = notice["sections"][0]["items"][0]
    assert list(item)[:6] == ["number", "inferred", "title", "text", "responsible", "subitems"]
    assert "县安委办" in out  # not \u-escaped
    assert "inferred （四）" in err


def test_outline():
    out, _err = run(str(PINGLU))
    lines = out.splitlines()
    assert lines[0] == "关于做好2024年安全生产工作的通知"
    assert "  文号：平政发〔2024〕1号" in lines
    assert "  （四）推动落实全员安全责任　〔序号推断〕" in lines
    assert "      · 森林草原火灾：县林业局〔牵头〕、县应急局〔配合〕、县公安局〔配合〕" in lines
    assert "七、严格调查评估和巡查考核，倒逼制度措施落实落细" in lines


def test_match_adds_organisations(db):
    out, err = run(str(PINGLU), "--json", "--match")
    notice = json.loads(out)
    entries = notice["sections"][2]["items"][4]["responsible"]  # （十三）
    assert entries[0] == {
        "name": "县交警队",
        "role": "joint",
        "class": False,
        "org_id": entries[0]["org_id"],
        "org_name": "平陆县公安局交通警察大队",
    }
    assert "every named department matched an organisation" in err


def test_match_reports_unmatched_names(db, tmp_path):
    path = tmp_path / "city.txt"
    path.write_text(
        "关于做好安全生产工作的通知\n\n一、任务\n\n（一）加强监管\n\n"
        "开展检查。（市应急局牵头，县应急局配合）\n",
        encoding="utf-8",
    )
    out, err = run(str(path), "--json", "--match")
    entries = json.loads(out)["sections"][0]["items"][0]["responsible"]
    assert entries[0] == {"name": "市应急局", "role": "lead", "class": False, "unmatched": True}
    assert entries[1]["org_name"] == "平陆县应急管理局"
    assert "1 name(s) matched no single organisation:" in err
    assert "  市应急局  (items （一）)" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("平陆县人民政府".encode("gb18030"), "not UTF-8"),
        (b"", "empty"),
        ("关于加强安全工作的通知\n\n一是加强检查。\n".encode(), "no sections"),
    ],
)
def test_bad_input_exits_2(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as caught:
        run(str(path))
    assert caught.value.returncode == 2


def test_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as caught:
        run(str(tmp_path / "missing.txt"))
    assert caught.value.returncode == 2


def test_the_console_script_exits_2_naming_the_problem(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("一、任务\n".encode("gb18030"))
    env = {**os.environ, "DIXIAN_DEMO": "1", "DIXIAN_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "dixian.cli", "notice", "parse", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr
    assert result.stdout == ""
