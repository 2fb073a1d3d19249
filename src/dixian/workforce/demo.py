"""Pinglu demo data for the workforce app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
