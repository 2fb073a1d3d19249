"""Deadline handlers of the alerts: the 叫应 wake clock, warning expiry and CAP feed fetches."""

from __future__ import annotations

from dixian.core import deadlines

from .models import CapFeed, Warning, WarningState, WarningTarget


@deadlines.register
class SilentTargets(deadlines.DeadlineHandler):
    """A target silent past its wake target advances one step up the ladder (set-based)."""

    model = WarningTarget
    name = "alerts-escalation"

    def run(self, now):
        from .services import escalate_due

        total = 0
        while True:
            moved = escalate_due(now)
            total += moved
            if moved < 5000:
                return total


@deadlines.register
class ExpiredWarnings(deadlines.DeadlineHandler):
    """A released warning whose validity ended expires (silent calls end unanswered)."""

    model = Warning
    due_field = "expires_at"
    from_state = WarningState.RELEASED
    name = "alerts-expiry"

    def run(self, now):
        from .services import expire_due

        return expire_due(now)


@deadlines.register
class FeedFetches(deadlines.DeadlineHandler):
    """Each enabled CAP feed is fetched at ``next_fetch_at`` (claimed by a conditional update)."""

    model = CapFeed
    due_field = "next_fetch_at"
    state_field = "enabled"
    from_state = True
    name = "alerts-cap-feeds"

    def transition_values(self, now):
        return {}

    def advance(self, pk, now):
        import datetime as dt

        feed = CapFeed.objects.filter(pk=pk).first()
        if feed is None:
            return False
        claimed = CapFeed.objects.filter(
            pk=pk, enabled=True, next_fetch_at=feed.next_fetch_at, next_fetch_at__lte=now
        ).update(next_fetch_at=now + dt.timedelta(minutes=max(feed.interval_minutes, 1)))
        if not claimed:
            return False
        from .cap import fetch_feed

        fetch_feed(feed)
        return True
