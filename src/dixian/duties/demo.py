"""The duties demo: Pinglu's 2024 notice (平政发〔2024〕1号) imported as the year's key tasks."""

from __future__ import annotations

from pathlib import Path

NOTICE = Path(__file__).parent / "tests" / "data" / "pinglu-2024-work-safety-notice.txt"


def seed(year: int = 2024):
    """Import the Pinglu notice for ``year`` (idempotent: a second run changes nothing).
    Needs the core demo (its organisations) loaded first."""
    from dixian.core import demo as core_demo

    from .services import import_notice

    if not core_demo.is_seeded():
        core_demo.seed()
    return import_notice(NOTICE.read_bytes(), actor=None, year=year)
