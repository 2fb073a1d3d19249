"""A small named world on top of the Pinglu demo: the alumina plant (the ``enterprise`` demo
user's), a coal mine, a flour mill (工贸, no high-risk rule) and their principals."""

from __future__ import annotations

import datetime as dt

import pytest

from dixian.core import clock
from dixian.core.models import Organisation, Position


@pytest.fixture
def alumina(db):
    return Organisation.objects.get(name="山西河源氧化铝有限公司")


@pytest.fixture
def coal(db):
    return Organisation.objects.get(name="平陆县鸿岭煤业有限公司（基建矿井）")


@pytest.fixture
def mill(db):
    return Organisation.objects.get(name="平陆县福源面粉有限公司")


@pytest.fixture
def site(db):
    """A construction site: supervised by 县住建局 (the ``housing`` user)."""
    return Organisation.objects.get(name="平陆县城南棚户区改造项目（示例工地）")


def principal_of(org):
    return Position.objects.get(org=org, kind="principal").person


@pytest.fixture
def frozen():
    """Freeze the clock at a given local date (09:00 Asia/Shanghai)."""
    import contextlib
    from zoneinfo import ZoneInfo

    @contextlib.contextmanager
    def at(day: dt.date, hour: int = 9):
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("Asia/Shanghai"))
        with clock.frozen(moment):
            yield moment

    return at
