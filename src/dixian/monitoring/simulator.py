"""The sensor simulator behind ``dixian simulate`` (and ``dixian run`` in demo mode).

Each point follows its typical value with a daily cycle, noise and a slow drift. With
anomalies on, a point now and then climbs past its red threshold for a few sends, and a
gateway now and then drops out for a while (the offline rule then fires). The demo gateways
use their known demo tokens; ``--enterprises N`` adds N simulated gateways (registered in
the database, idempotently) with ``--points M`` each.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .demo import SILENT_GATEWAY, demo_token, typical_values


@dataclass
class SimPoint:
    code: str
    typical: float
    red: float | None
    below: bool = False
    spread: float = 0.0
    drift: float = 0.0
    spike_left: int = 0


@dataclass
class SimGateway:
    code: str
    enterprise_id: int
    token: str
    points: list[SimPoint] = field(default_factory=list)
    down_left: int = 0


SIM_KINDS = ["ch4", "co", "combustible", "temperature", "pressure"]
SIM_TYPICAL = {"ch4": 0.25, "co": 5, "combustible": 2, "temperature": 24, "pressure": 0.9}


class Simulator:
    def __init__(self, gateways: list[SimGateway], anomalies: bool = False, seed: int = 7):
        self.gateways = gateways
        self.anomalies = anomalies
        self.rnd = random.Random(seed)
        self.stop_event = threading.Event()
        self.sent = 0
        self.errors = 0

    @property
    def point_count(self) -> int:
        return sum(len(g.points) for g in self.gateways)

    @classmethod
    def from_database(cls, extra_gateways=0, points=10, demo=True, anomalies=False) -> Simulator:
        from .models import Gateway, Point, Rule

        gateways = []
        if extra_gateways:
            provision(extra_gateways, points)
        typical = typical_values()
        reds = {
            r.point_id: (r.red, r.direction == "below")
            for r in Rule.objects.filter(kind="threshold")
        }
        qs = Gateway.objects.all().order_by("code")
        for gw in qs:
            is_sim = gw.code.startswith("sim-")
            if (is_sim and not extra_gateways) or (not is_sim and not demo):
                continue
            if gw.code == SILENT_GATEWAY:
                continue  # the demo leaves this one silent (offline alarm)
            sg = SimGateway(gw.code, gw.enterprise_id, demo_token(gw.code))
            for p in Point.objects.filter(gateway=gw, enabled=True).order_by("code"):
                red, below = reds.get(p.pk, (None, False))
                base = typical.get(p.code, SIM_TYPICAL.get(p.kind, 1.0))
                spread = 0.0
                if p.range_min is not None and p.range_max is not None:
                    spread = min((p.range_max - p.range_min) * 0.005, abs(base) * 0.06 + 0.01)
                sg.points.append(SimPoint(p.code, base, red, below, spread))
            if sg.points:
                gateways.append(sg)
        return cls(gateways, anomalies=anomalies)

    def value(self, p: SimPoint, t: dt.datetime) -> float:
        hours = t.hour + t.minute / 60 + t.second / 3600
        spread = p.spread or abs(p.typical) * 0.06 + 0.01
        day = math.sin((hours - 6) / 24 * 2 * math.pi) * spread
        p.drift = max(-3 * spread, min(3 * spread, p.drift + self.rnd.gauss(0, spread / 50)))
        v = p.typical + day + p.drift + self.rnd.gauss(0, spread / 4)
        if self.anomalies and p.red is not None:
            if p.spike_left == 0 and self.rnd.random() < 0.002:
                p.spike_left = self.rnd.randint(2, 6)
            if p.spike_left:
                p.spike_left -= 1
                v = p.red * (0.9 if p.below else 1.1)
        return round(max(v, 0.0) if p.typical >= 0 else v, 4)

    def payload(self, gw: SimGateway, t: dt.datetime, with_token: bool) -> bytes:
        body = {
            "gateway": gw.code,
            "readings": [
                {"point": p.code, "ts": t.isoformat(), "value": self.value(p, t)} for p in gw.points
            ],
        }
        if with_token:
            body["token"] = gw.token
        return json.dumps(body).encode()

    def tick(self, send_http=None, send_mqtt=None) -> None:
        t = dt.datetime.now(dt.UTC).replace(microsecond=0)
        for gw in self.gateways:
            if self.anomalies:
                if gw.down_left == 0 and self.rnd.random() < 0.001:
                    gw.down_left = self.rnd.randint(5, 30)
                if gw.down_left:
                    gw.down_left -= 1
                    continue
            try:
                if send_http:
                    send_http(gw, self.payload(gw, t, with_token=False))
                else:
                    send_mqtt(gw, self.payload(gw, t, with_token=True))
                self.sent += len(gw.points)
            except Exception:
                self.errors += 1

    def run(self, interval=10.0, http=None, mqtt=None, duration=None, log=print) -> None:
        def stop(signum, frame):
            self.stop_event.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        send_http = send_mqtt = None
        client = None
        if http:
            url = http.rstrip("/") + "/api/v1/readings/"

            def send_http(gw, raw):
                req = urllib.request.Request(
                    url,
                    data=raw,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Gateway {gw.token}",
                    },
                )
                with urllib.request.urlopen(req, timeout=10) as resp:
                    resp.read()

        else:
            client = mqtt_client(mqtt)

            def send_mqtt(gw, raw):
                client.publish(f"dixian/{gw.enterprise_id}/{gw.code}/readings", raw, qos=1)

        started = time.monotonic()
        try:
            while not self.stop_event.is_set():
                self.tick(send_http, send_mqtt)
                if duration is not None and time.monotonic() - started >= duration:
                    break
                self.stop_event.wait(interval)
        finally:
            if client is not None:
                client.loop_stop()
                client.disconnect()
        log(f"sent {self.sent} readings, {self.errors} failed sends")


def mqtt_client(url: str):
    import paho.mqtt.client as mqtt

    from .mqtt import parse_url

    host, port, user, password = parse_url(url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
    )
    if user:
        client.username_pw_set(user, password)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    return client


def provision(n: int, points: int) -> list:
    """Register N simulated gateways with M points each at the demo enterprises (idempotent)."""
    from django.db import transaction

    from dixian.core.choices import OrgKind
    from dixian.core.models import Organisation

    from .models import DEFAULT_UNITS, Gateway, MonitoredObject, ObjectKind, Point
    from .thresholds import prefill_rules

    enterprises = list(Organisation.objects.filter(kind=OrgKind.ENTERPRISE).order_by("pk"))
    if not enterprises:
        raise RuntimeError("no enterprises: load the demo first")
    made = []
    with transaction.atomic():
        for i in range(n):
            code = f"sim-{i + 1:04d}"
            ent = enterprises[i % len(enterprises)]
            gw = Gateway.objects.filter(code=code).first()
            if gw is None:
                gw = Gateway(enterprise=ent, code=code, name=f"模拟网关 {i + 1}", interval_s=10)
                gw.set_token(demo_token(code))
                gw.save()
            obj, _ = MonitoredObject.objects.get_or_create(
                enterprise=gw.enterprise,
                name=f"模拟监测对象 {i + 1}",
                defaults={"kind": ObjectKind.MAJOR_HAZARD},
            )
            have = set(Point.objects.filter(gateway=gw).values_list("code", flat=True))
            for j in range(points):
                pcode = f"{code}-p{j + 1:03d}"
                if pcode in have:
                    continue
                kind = SIM_KINDS[j % len(SIM_KINDS)]
                p = Point.objects.create(
                    object=obj,
                    gateway=gw,
                    code=pcode,
                    name=f"模拟测点 {i + 1}-{j + 1}",
                    kind=kind,
                    unit=DEFAULT_UNITS[kind],
                    location="T1" if kind == "ch4" else "",
                    interval_s=10,
                )
                prefill_rules(p)
            made.append(gw)
    from .ingest import registry

    registry.invalidate()
    return made
