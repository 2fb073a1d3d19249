"""Pinglu demo data for the prevention app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
