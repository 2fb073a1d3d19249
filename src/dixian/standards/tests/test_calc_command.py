"""``dixian calc`` end to end: a real process, JSON on stdout, exit status 2 on bad input."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dixian-calc")
    env = {**os.environ, "DIXIAN_DEMO": "1", "DIXIAN_DATA_DIR": str(data_dir)}
    env["PYTHONIOENCODING"] = "utf-8"

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "dixian.cli", "calc", *map(str, args)],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        out = json.loads(done.stdout, parse_float=Decimal) if done.returncode == 0 else None
        return done.returncode, out, done.stderr

    return run


def test_lec(calc):
    assert calc("lec", "--l", 6, "--e", 6, "--c", 7) == (
        0,
        {"d": 252, "level": "considerable", "colour": "orange"},
        "",
    )


def test_lec_value_off_the_scale_is_exit_2_naming_it(calc):
    status, _, err = calc("lec", "--l", 5, "--e", 6, "--c", 3)
    assert status == 2
    assert "L = 5" in err and "不是 LEC 法允许的分值" in err


def test_lec_non_number_is_exit_2_naming_the_option(calc):
    status, _, err = calc("lec", "--l", "6", "--e", "often", "--c", "3")
    assert status == 2 and "--e: 'often' is not a number" in err


def test_ls_and_its_boundary(calc):
    assert calc("ls", "--l", 4, "--s", 5)[1] == {"r": 20, "level": "major", "colour": "red"}
    assert calc("ls", "--l", 3, "--s", 3, "--scheme", "coal_mine_paper")[1]["colour"] == "yellow"
    assert calc("ls", "--l", 6, "--s", 1)[0] == 2


def write(path, content):
    path.write_text(
        content if isinstance(content, str) else json.dumps(content, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_gb18218_major_unit(calc, tmp_path):
    # 液氯 3 t (3/5) + 液氨 4 t (4/10) = 1.0 exactly: major (S ≥ 1 inclusive).
    # α = 1.0 (10 people); R = 1.0 × (4 × 0.6 + 2 × 0.4) = 3.2 → grade 4.
    unit = write(
        tmp_path / "unit.json",
        {
            "unit_type": "storage",
            "exposed_people": 10,
            "substances": [
                {"name": "液氯", "quantity_t": 3},
                {"cas": "7664-41-7", "quantity_t": 4},
            ],
        },
    )
    status, out, _ = calc("gb18218", "--input", unit)
    assert status == 0
    assert (out["s"], out["major"], out["r"], out["grade"]) == (1, True, Decimal("3.2"), 4)
    assert out["lines"] == [
        {"substance": "氯", "q": 3, "Q": 5, "beta": 4, "basis": "GB 18218-2018 表1 #12"},
        {"substance": "氨", "q": 4, "Q": 10, "beta": 2, "basis": "GB 18218-2018 表1 #1"},
    ]


def test_gb18218_table2_category_and_not_major(calc, tmp_path):
    unit = write(
        tmp_path / "unit.json",
        {
            "unit_type": "production",
            "exposed_people": 0,
            "substances": [{"category": "W5.4", "quantity_t": "2500"}],
        },
    )
    status, out, _ = calc("gb18218", "--input", unit)
    assert status == 0
    assert (out["s"], out["major"], out["grade"]) == (Decimal("0.5"), False, None)
    assert out["lines"][0]["Q"] == 5000


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (
            {
                "unit_type": "storage",
                "exposed_people": 0,
                "substances": [{"name": "不明物", "quantity_t": 1}],
            },
            "不明物",
        ),
        (
            {
                "unit_type": "storage",
                "exposed_people": 0,
                "substances": [{"category": "W99", "quantity_t": 1}],
            },
            "W99",
        ),
        (
            {
                "unit_type": "storage",
                "exposed_people": 0,
                "substances": [{"name": "氯", "quantity_t": -2}],
            },
            "negative",
        ),
        (
            {
                "unit_type": "storage",
                "exposed_people": 0,
                "substances": [{"name": "氯", "quantity_t": "2吨"}],
            },
            "'2吨' is not a number",
        ),
        ('{"unit_type": "storage", "substances": [', "not valid JSON"),
    ],
)
def test_gb18218_bad_input_is_exit_2_naming_it(calc, tmp_path, content, named):
    status, out, err = calc("gb18218", "--input", write(tmp_path / "bad.json", content))
    assert (status, out) == (2, None)
    assert named in err


def test_gb18218_missing_file_is_exit_2(calc, tmp_path):
    status, _, err = calc("gb18218", "--input", tmp_path / "nowhere.json")
    assert status == 2 and "nowhere.json" in err


def test_safety_fee_tiers_and_per_tonne(calc):
    status, out, _ = calc("safety-fee", "--sector", "hazardous_goods", "--revenue-yuan", "10000001")
    assert status == 0
    assert out["fee_yuan"] == Decimal("450000.0225")
    assert [line["base"] for line in out["lines"]] == [10_000_000, 1]
    status, out, _ = calc(
        "safety-fee", "--sector", "coal", "--category", "露天矿", "--output-t", "1000"
    )
    assert (status, out["fee_yuan"]) == (0, 5000)
    status, out, _ = calc(
        "safety-fee", "--sector", "construction", "--category", "房屋建筑工程", "--cost-yuan", "1e7"
    )
    assert (status, out["fee_yuan"]) == (0, 300_000)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--sector", "coal", "--category", "深井矿", "--output-t", "1"], "深井矿"),
        (["--sector", "coal", "--category", "open_pit", "--output-t", "-5"], "negative"),
        (["--sector", "coal", "--category", "open_pit", "--output-t", "abc"], "--output-t: 'abc'"),
        (["--sector", "shipping", "--revenue-yuan", "1"], "shipping"),
    ],
)
def test_safety_fee_bad_input_is_exit_2(calc, args, named):
    status, _, err = calc("safety-fee", *args)
    assert status == 2 and named in err


def test_uscc(calc):
    assert calc("uscc", "91350100M000100Y43") == (0, {"valid": True, "error": None}, "")
    status, out, _ = calc("uscc", "91350100M000100Y44")
    assert status == 0 and out["valid"] is False and "expected '3'" in out["error"]


def test_missing_calculator_or_argument_is_exit_2(calc):
    assert calc()[0] == 2
    assert calc("lec", "--l", "6")[0] == 2


def test_accident_grade(calc):
    assert calc(
        "accident-grade", "--deaths", 3, "--serious-injuries", 0, "--direct-loss-yuan", 0
    ) == (
        0,
        {
            "grade": "relatively_serious",
            "grade_cn": "较大事故",
            "report_up_to": "province",
            "investigated_by": "city",
        },
        "",
    )
    code, out, _err = calc("accident-grade", "--direct-loss-yuan", 100000000)
    assert code == 0 and out["grade"] == "especially_serious"
    code, out, err = calc("accident-grade", "--deaths", -1)
    assert code == 2 and out is None and "deaths" in err
