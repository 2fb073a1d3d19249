"""Pinglu demo data for the alerts app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
