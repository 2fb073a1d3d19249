"""Polygons of warning areas: WGS 84 [latitude, longitude] points, first equals last (CAP 1.2
§3.2.4 ``polygon``: at least four pairs, closed)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def polygon_problem(points) -> str:
    """Why ``points`` is not a usable polygon ("" when it is)."""
    try:
        pts = [(float(p[0]), float(p[1])) for p in points]
    except (TypeError, ValueError, IndexError):
        return _("The polygon must be a list of [latitude, longitude] points.")
    if len(pts) < 4:
        return _("A polygon needs at least four points.")
    if pts[0] != pts[-1]:
        return _("The polygon must be closed (first point equals last).")
    for lat, lon in pts:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return _("Coordinates out of range.")
    return ""


def contains(points, lat: float, lon: float) -> bool:
    """Ray casting: whether (lat, lon) lies inside the polygon."""
    inside = False
    pts = [(float(p[0]), float(p[1])) for p in points]
    n = len(pts)
    for i in range(n):
        y1, x1 = pts[i]
        y2, x2 = pts[(i + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def parse_cap_polygon(text: str) -> list[list[float]]:
    """CAP ``polygon`` text ("lat,lon lat,lon …") → [[lat, lon], …]."""
    return [[float(a), float(b)] for a, b in (pair.split(",") for pair in text.split())]


def cap_polygon(points) -> str:
    return " ".join(f"{float(lat):.6f},{float(lon):.6f}" for lat, lon in points)
