"""Pinglu demo data for the monitoring app (called by dixian.core.demo.seed, idempotent)."""


def seed() -> dict:
    return {}
