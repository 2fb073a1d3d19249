"""Pinglu demo data for the enterprises app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
