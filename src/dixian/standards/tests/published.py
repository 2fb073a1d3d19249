"""The data files read directly (csv module), so tests do not trust the kernel's own reader."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
