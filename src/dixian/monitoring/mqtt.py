"""MQTT consumer: ``dixian ingest-mqtt``.

paho-mqtt 2.x, MQTT v5, QoS 1, a persistent session (clean_start off, session expiry) and
``manual_ack``: a message is acknowledged only after the transaction holding its readings
has committed. Several processes share the load through a shared subscription
(``$share/<group>/dixian/+/+/readings``). Messages are taken in batches (up to
``batch`` messages, or fewer once the oldest has waited ``linger`` seconds since it arrived)
and ingested in one transaction.

Failures: a database error rolls the batch back; nothing is acknowledged, the consumer backs
off (doubling up to 30 s) and retries the same batch. A broker disconnect is healed by
paho's reconnect; messages received on an earlier connection are never acknowledged on a
later one (the broker redelivers them and the (point, time) key drops the duplicates).
"""

from __future__ import annotations

import logging
import queue
import signal
import socket
import threading
import time
from urllib.parse import urlparse

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

log = logging.getLogger(__name__)

TOPIC = "dixian/+/+/readings"


def parse_url(url: str) -> tuple[str, int, str | None, str | None]:
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    return parsed.hostname or "127.0.0.1", parsed.port or 1883, parsed.username, parsed.password


def topic_parts(topic: str) -> tuple[str | None, str | None]:
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == "dixian" and parts[3] == "readings":
        return parts[1], parts[2]
    return None, None


class Consumer:
    def __init__(
        self,
        url: str,
        *,
        group: str = "dixian",
        client_id: str | None = None,
        batch: int = 50,
        linger: float = 0.15,
        session_expiry: int = 3600,
    ):
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.host, self.port, user, password = parse_url(url)
        self.group = group
        self.batch = batch
        self.linger = linger
        # Small: what waits here has left the broker's queue but is not yet being stored;
        # a long local queue would only add latency. A full queue blocks paho's thread.
        self.queue: queue.Queue = queue.Queue(maxsize=batch * 2)
        self.generation = 0
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.stats = {"messages": 0, "readings": 0, "acked": 0, "retries": 0, "batches": 0}
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            # A stable id: a restarted consumer gets its persistent session (and the
            # messages it had not acknowledged) back.
            client_id=client_id or f"dixian-ingest-{socket.gethostname()}",
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if user:
            self.client.username_pw_set(user, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.max_inflight_messages_set(batch * 4)
        self._connect_props = Properties(PacketTypes.CONNECT)
        self._connect_props.SessionExpiryInterval = session_expiry
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- paho callbacks (network thread) --
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("MQTT connect refused: %s", reason_code)
            return
        self.generation += 1
        client.subscribe(f"$share/{self.group}/{TOPIC}", qos=1)
        self.connected.set()
        log.info("MQTT connected (session present: %s)", flags.session_present)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg):
        # Blocks the network thread when the queue is full: natural back-pressure.
        self.queue.put((self.generation, msg, time.monotonic()))

    # -- main loop --
    def start(self) -> None:
        self.client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=self._connect_props
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.stopping.set()
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def _take(self) -> list:
        """The next batch: up to ``batch`` messages, flushed when full or when the oldest
        has waited ``linger`` seconds since it arrived (so a reading never waits long for
        a batch to fill, under light and heavy load alike)."""
        items = []
        try:
            first = self.queue.get(timeout=0.2)
        except queue.Empty:
            return items
        items.append(first)
        deadline = first[2] + self.linger
        get = self.queue.get
        while len(items) < self.batch:
            remaining = deadline - time.monotonic()
            try:
                items.append(get(timeout=remaining) if remaining > 0 else get(block=False))
            except queue.Empty:
                break
        return items

    def process(self, items) -> None:
        from .ingest import Envelope, ingest_many

        envelopes = []
        for _gen, msg, _arrived in items:
            enterprise, gateway = topic_parts(msg.topic)
            envelopes.append(
                Envelope(
                    bytes(msg.payload),
                    source="mqtt",
                    topic=msg.topic,
                    topic_gateway=gateway or "",
                    topic_enterprise=enterprise or "",
                )
            )
        delay = 0.5
        while True:
            try:
                close_old_connections()
                outcomes = ingest_many(envelopes)
                break
            except (OperationalError, InterfaceError, DatabaseError) as exc:
                self.stats["retries"] += 1
                log.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                from django.db import connection

                try:
                    connection.close()
                except Exception:  # the connection is already gone
                    pass
                if self.stopping.wait(delay):
                    return  # stopping: nothing acknowledged, the broker keeps the messages
                delay = min(delay * 2, 30)
        self.stats["batches"] += 1
        self.stats["messages"] += len(items)
        self.stats["readings"] += sum(o.accepted + o.duplicates for o in outcomes)
        for gen, msg, _arrived in items:
            if gen == self.generation and self.connected.is_set():
                self.client.ack(msg.mid, msg.qos)
                self.stats["acked"] += 1

    def run(self, max_seconds: float | None = None) -> None:
        started = time.monotonic()
        while not self.stopping.is_set():
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break
            items = self._take()
            if items:
                self.process(items)


def run_forever(
    url: str, group: str, batch: int, client_id: str | None = None, linger: float = 0.15
) -> None:
    import os

    consumer = Consumer(
        url,
        group=group,
        batch=batch,
        linger=linger,
        client_id=client_id,
        session_expiry=int(os.environ.get("DIXIAN_MQTT_SESSION_EXPIRY", "3600")),
    )

    def stop(signum, frame):
        consumer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    consumer.start()
    try:
        consumer.run()
    finally:
        consumer.close()
        print("stopped: " + " ".join(f"{k}={v}" for k, v in consumer.stats.items()), flush=True)
