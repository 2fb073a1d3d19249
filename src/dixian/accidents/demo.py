"""Pinglu demo data for the accidents app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
