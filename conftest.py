"""Test fixtures: one named demo world (the Pinglu demo), loaded once per test database."""

import os

import pytest

os.environ.setdefault("DIXIAN_TESTING", "1")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from dixian.core import demo

    with django_db_blocker.unblock():
        demo.seed()


@pytest.fixture
def users(db):
    """The demo accounts by username (leader, office, inspector, housing, township, grid,
    enterprise, duty, admin)."""
    from dixian.core.models import User

    return {u.username: u for u in User.objects.select_related("org", "org__division")}


@pytest.fixture
def client_for(client, users):
    """A logged-in Django test client for a demo username."""
    from django.test import Client

    def make(username):
        c = Client()
        c.force_login(users[username])
        return c

    return make
