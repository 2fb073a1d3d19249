"""Reading the tables in ``data/`` (packaged with the code; nothing outside the package)."""

import csv
import io
from functools import cache
from importlib import resources


def data_text(filename: str) -> str:
    """The text of ``data/<filename>`` (UTF-8)."""
    return resources.files(__package__).joinpath("data", filename).read_text(encoding="utf-8")


@cache
def read_csv(filename: str) -> tuple[dict[str, str], ...]:
    """Rows of ``data/<filename>`` as dicts of stripped strings (cached; treat as read-only)."""
    reader = csv.DictReader(io.StringIO(data_text(filename)))
    return tuple({k: (v or "").strip() for k, v in row.items()} for row in reader)


def split_list(cell: str) -> tuple[str, ...]:
    """A ``;``-separated cell as a tuple of non-empty stripped items."""
    return tuple(item.strip() for item in cell.split(";") if item.strip())
