# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps in the service's formats."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(ts: float) -> str:
    """``2024-11-06T10:00:00.123Z``, the format DCS uses for created_at/updated_at."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def compact(ts: float) -> str:
    """``yyyyMMddHHmmss`` (UTC), the format of the backup-record time filters."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y%m%d%H%M%S")


def parse_compact(text: str) -> float:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp()


def parse_iso(text: str) -> float:
    """Accept ``2024-11-06T10:00:00Z``, with milliseconds, or ``2024-11-06 10:00:00`` (UTC)."""
    cleaned = text.strip().replace(" ", "T").rstrip("Z")
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def render(text: str, time_format: str):
    """A stored ``iso`` time in one of the documented formats (fidelity.TIME_FORMATS); None when not set."""
    if not text:
        return None
    moment = datetime.fromtimestamp(parse_iso(text), tz=timezone.utc)
    if time_format == "slash":
        return moment.strftime("%Y/%m/%d %H:%M:%S")
    if time_format == "compact":
        return moment.strftime("%Y%m%d%H%M")
    return iso(moment.timestamp())
