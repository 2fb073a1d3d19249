"""Pinglu demo data for the emergency app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
