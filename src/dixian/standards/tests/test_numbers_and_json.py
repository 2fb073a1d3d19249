from decimal import Decimal
from fractions import Fraction

import pytest

from dixian.standards import jsonio
from dixian.standards.errors import StandardsError
from dixian.standards.numbers import floor_to_places, plain, to_decimal, to_non_negative, to_whole


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.50", "1.5"), ("1E+2", "100"), ("0.000001", "0.000001"), ("-0", "0"), ("120", "120")],
)
def test_plain_writes_positional_notation_without_trailing_zeros(value, expected):
    assert plain(Decimal(value)) == expected


def test_plain_does_not_round_long_numbers():
    long = "1234567890123456789012345678901234.5"
    assert plain(Decimal(long)) == long


def test_long_values_pass_through_unrounded():
    long = "123456789012345678901234567.89"  # 29 digits, one more than the default context
    assert str(to_non_negative(long, "q")) == long
    assert str(to_non_negative("-0", "q")) == "0"


def test_floats_are_read_through_their_shortest_repr():
    assert to_decimal(0.1, "x") == Decimal("0.1")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "1_000", True, None, [1]])
def test_non_numbers_are_refused_with_the_field_name(bad):
    with pytest.raises(StandardsError, match="quantity"):
        to_decimal(bad, "quantity")


def test_negative_and_fractional_values_are_refused_where_not_allowed():
    with pytest.raises(StandardsError, match="negative"):
        to_non_negative("-0.5", "q")
    with pytest.raises(StandardsError, match="whole number"):
        to_whole("2.5", "people")
    assert to_whole(Decimal("3.0"), "people") == 3


def test_floor_to_places_never_rounds_up():
    assert floor_to_places(Fraction(2, 3), 6) == Decimal("0.666666")
    assert floor_to_places(Fraction(999_999_9, 10_000_000), 6) == Decimal("0.999999")
    assert floor_to_places(Fraction(1), 6) == Decimal(1)


def test_json_writes_decimals_as_exact_numbers_and_reads_them_back():
    text = jsonio.dumps({"d": Decimal("108"), "x": [Decimal("0.0225"), None, True], "名": "氯"})
    assert text == '{"d": 108, "x": [0.0225, null, true], "名": "氯"}'
    assert jsonio.loads(text) == {"d": 108, "x": [Decimal("0.0225"), None, True], "名": "氯"}
    assert isinstance(jsonio.loads("[0.1]")[0], Decimal)


def test_json_refuses_floats_out_and_nan_in():
    with pytest.raises(TypeError):
        jsonio.dumps({"x": 0.1})
    with pytest.raises(StandardsError, match="NaN"):
        jsonio.loads('{"q": NaN}', source="unit.json")
    with pytest.raises(StandardsError, match="unit.json is not valid JSON.*line 1"):
        jsonio.loads("{", source="unit.json")
