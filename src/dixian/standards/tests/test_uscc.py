"""USCC (GB 32100-2015) against an independent implementation and published examples."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dixian.standards import uscc

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def independent_check(first17: str) -> str:
    # Written from the formula, not from the module: Wi = 3^(i-1) mod 31, C18 = 31 − Σ mod 31.
    total = sum(CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return CHARSET[(31 - total % 31) % 31]


def test_weights_are_powers_of_three_mod_31():
    assert uscc.WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert uscc.ALPHABET == CHARSET and len(CHARSET) == 31


def test_the_published_worked_example():
    # 91350100M000100Y4?: Σ Ci×Wi = 1640, 1640 mod 31 = 28, 31 − 28 = 3.
    body = "91350100M000100Y4"
    assert sum(CHARSET.index(c) * w for c, w in zip(body, uscc.WEIGHTS, strict=True)) == 1640
    assert uscc.validate(body + "3") == {"valid": True, "error": None}
    result = uscc.validate(body + "4")
    assert result["valid"] is False
    assert "expected '3'" in result["error"]


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司 (public business registration)
        "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
        "91330100799655058B",  # 阿里巴巴（中国）有限公司
    ],
)
def test_published_company_codes_are_valid(code):
    assert independent_check(code[:17]) == code[17]
    assert uscc.validate(code) == {"valid": True, "error": None}


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17))
def test_any_body_with_its_check_character_is_valid(body):
    assert uscc.check_character(body) == independent_check(body)
    assert uscc.validate(body + independent_check(body))["valid"] is True


@given(st.text(alphabet=CHARSET, min_size=17, max_size=17), st.sampled_from(CHARSET))
def test_any_other_check_character_is_refused_naming_the_expected_one(body, last):
    expected = independent_check(body)
    result = uscc.validate(body + last)
    assert result["valid"] is (last == expected)
    if last != expected:
        assert f"wrong check character '{last}': expected '{expected}'" in result["error"]


@pytest.mark.parametrize(
    "code", ["", "91350100M000100Y4", "91350100M000100Y433", "9135 0100M000100Y43"]
)
def test_wrong_length(code):
    result = uscc.validate(code)
    assert result["valid"] is False
    assert f"not {len(code)}" in result["error"]


@pytest.mark.parametrize(
    ("code", "bad", "position"),
    [
        ("91350100M000100I43", "I", 16),
        ("91350100M000100O43", "O", 16),
        ("91350100M000100Y4Z", "Z", 18),
        ("S1350100M000100Y43", "S", 1),
        ("91350100V000100Y43", "V", 9),
        ("91350100m000100Y43", "m", 9),
        ("91350100M000100-43", "-", 16),
        ("９1350100M000100Y43", "９", 1),  # full-width digit
    ],
)
def test_illegal_characters_are_named_with_their_position(code, bad, position):
    result = uscc.validate(code)
    assert result["valid"] is False
    assert f"illegal character '{bad}' at position {position}" in result["error"]


def test_lower_case_is_explained():
    assert "upper case" in uscc.validate("91350100m000100Y43")["error"]


def test_non_text_is_invalid():
    assert uscc.validate(91350100)["valid"] is False
