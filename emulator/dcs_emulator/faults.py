# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection for the next N matching API requests (set through the admin API).

A rule: ``kind`` (``status`` | ``latency`` | ``drop``), ``count`` (how many matching requests it hits),
optional ``method`` and ``path`` (a regular expression searched in the request path), ``when``
(``before``: instead of / ahead of processing; ``after``: the request is processed - e.g. the task really
created - and then its response is replaced, delayed or dropped), ``status`` (429, 500, 502, 503 or 504)
and ``seconds`` for latency. Rules are used in the order they were added; one rule per request.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Optional

KINDS = ("status", "latency", "drop")
STATUSES = (429, 500, 502, 503, 504)


class FaultError(ValueError):
    """An invalid fault rule; the message names the field."""


@dataclass
class Fault:
    id: int
    kind: str
    count: int
    when: str = "before"
    method: Optional[str] = None
    path: Optional[str] = None
    status: Optional[int] = None
    seconds: float = 0.0
    hits: int = 0
    _pattern: Optional[re.Pattern] = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return self._pattern is None or bool(self._pattern.search(path))

    def public(self) -> dict:
        data = asdict(self)
        data.pop("_pattern")
        return data


def _int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultError("%s must be an integer >= %d" % (name, minimum))
    return value


def parse(spec: dict, fault_id: int) -> Fault:
    """Build a Fault from an admin request body."""
    if not isinstance(spec, dict):
        raise FaultError("the body must be a JSON object")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError("kind must be one of %s" % ", ".join(KINDS))
    when = spec.get("when", "before")
    if when not in ("before", "after"):
        raise FaultError("when must be before or after")
    method = spec.get("method")
    if method is not None and (not isinstance(method, str) or not method):
        raise FaultError("method must be an HTTP method name")
    path = spec.get("path")
    try:
        pattern = re.compile(path) if path else None
    except (re.error, TypeError) as exc:
        raise FaultError("path must be a regular expression: %s" % exc) from None
    status = None
    if kind == "status":
        status = spec.get("status")
        if status not in STATUSES:
            raise FaultError("status must be one of %s" % ", ".join(str(s) for s in STATUSES))
    seconds = spec.get("seconds", 0)
    if kind == "latency" and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0):
        raise FaultError("seconds must be a number > 0")
    return Fault(id=fault_id, kind=kind, count=_int(spec.get("count", 1), "count", 1), when=when,
                 method=method.upper() if method else None, path=path, status=status, seconds=float(seconds),
                 _pattern=pattern)


class FaultInjector:
    """Thread-safe list of fault rules."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._ids = itertools.count(1)

    def add(self, spec: dict) -> Fault:
        fault = parse(spec, next(self._ids))
        with self._lock:
            self._rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> Optional[Fault]:
        """The first rule matching this request, counted as used; spent rules disappear."""
        with self._lock:
            for fault in self._rules:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.hits >= fault.count:
                        self._rules.remove(fault)
                    return fault
        return None

    def active(self) -> list:
        with self._lock:
            return [f.public() for f in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
