"""JSON in and out with exact decimals.

Output convention (the ``dixian calc`` command and anyone else who wants it): a ``Decimal`` is
written as a JSON **number** in plain positional notation with no trailing zeros (``108``,
``0.25``, ``450000.0225``), never through a float, so ``json.loads(text, parse_float=Decimal)``
gives back the exact value. Text is written as UTF-8 (``ensure_ascii=False``).
"""

import json
from decimal import Decimal
from fractions import Fraction

from .errors import StandardsError
from .numbers import plain


def dumps(value) -> str:
    """Serialise dicts, lists, tuples, str, int, bool, None and Decimal (as numbers)."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}: {dumps(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, float | Fraction):
        raise TypeError(f"refusing to write inexact {type(value).__name__} {value!r}; use Decimal")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def loads(text: str, *, source: str = "JSON"):
    """Parse JSON reading every number as a ``Decimal``; NaN and Infinity are refused.

    A syntax error becomes a ``StandardsError`` naming ``source`` and the line and column.
    """

    def refuse_constant(name):
        raise StandardsError(f"{source}: {name} is not a number", f"{source}：{name} 不是合法数字")

    try:
        return json.loads(
            text, parse_float=Decimal, parse_int=Decimal, parse_constant=refuse_constant
        )
    except json.JSONDecodeError as exc:
        raise StandardsError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            f"{source} 不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列（{exc.msg}）",
        ) from None
