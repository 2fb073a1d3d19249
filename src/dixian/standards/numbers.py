"""Decimal parsing and rendering shared by the calculators.

Every quantity enters as a ``Decimal`` (never through binary floating point: a float argument
is read through its shortest ``repr``, so ``0.1`` means one tenth) and leaves as one.
"""

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .errors import StandardsError


def to_decimal(value, name: str) -> Decimal:
    """Read ``value`` (Decimal, int, str or float) as a finite Decimal; the error names ``name``."""
    if isinstance(value, bool) or value is None:
        raise _not_a_number(value, name)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            # Decimal() would also read "1_000"; a quantity typed with "_" is more likely a slip.
            number = Decimal(value.strip()) if "_" not in value else None
        except InvalidOperation:
            number = None
        if number is None:
            raise _not_a_number(value, name)
    else:
        raise _not_a_number(value, name)
    if not number.is_finite():
        raise _not_a_number(value, name)
    return number


def to_non_negative(value, name: str) -> Decimal:
    """``to_decimal`` that also refuses a negative value."""
    number = to_decimal(value, name)
    if number < 0:
        raise StandardsError(
            f"{name} must not be negative (got {plain(number)})",
            f"{name} 不能为负数（收到 {plain(number)}）",
        )
    return number.copy_abs() if number == 0 else number  # "-0" → "0"; "+ 0" would round


def to_whole(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Read a whole number (``"3"``, ``3``, ``Decimal("3.0")``) and check its range."""
    number = to_decimal(value, name)
    if number != number.to_integral_value():
        raise StandardsError(
            f"{name} must be a whole number (got {plain(number)})",
            f"{name} 必须是整数（收到 {plain(number)}）",
        )
    whole = int(number)
    if (minimum is not None and whole < minimum) or (maximum is not None and whole > maximum):
        bounds = f"{'' if minimum is None else minimum}…{'' if maximum is None else maximum}"
        raise StandardsError(
            f"{name} must be in {bounds} (got {whole})",
            f"{name} 必须在 {bounds} 之间（收到 {whole}）",
        )
    return whole


def plain(number: Decimal) -> str:
    """Positional notation without trailing zeros: ``Decimal("1.50E+2")`` → ``"150"``."""
    if number == 0:
        return "0"
    text = format(number, "f")  # exact: no context rounding, unlike normalize()
    return text.rstrip("0").rstrip(".") if "." in text else text


def floor_to_places(exact: Fraction, places: int) -> Decimal:
    """The rational ``exact`` rounded down to ``places`` decimals, without trailing zeros.

    Rounding down keeps the shown value on the same side of every cut-off that has at most
    ``places`` decimals as the exact value: a shown 1 means the exact value reached 1.
    """
    scaled = (exact.numerator * 10**places) // exact.denominator
    return Decimal(plain(Decimal(f"{scaled}E-{places}")))


def _not_a_number(value, name: str) -> StandardsError:
    return StandardsError(f"{name}: {value!r} is not a number", f"{name}：{value!r} 不是数字")
