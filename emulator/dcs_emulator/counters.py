# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-operation request counters and a bounded journal of recent requests (``GET /_emulator/stats``)."""

from __future__ import annotations

import collections
import threading
import time

JOURNAL_SIZE = 20000


class RequestCounters:
    """Counts every DCS/IAM request received (faulted and rejected ones included)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ops = collections.Counter()
        self._journal = collections.deque(maxlen=JOURNAL_SIZE)

    def record(self, op: str, method: str, path: str, status: int, request_id: str, fault: str = "") -> None:
        with self._lock:
            self._ops[op] += 1
            self._journal.append({"time": time.time(), "operation": op, "method": method, "path": path,
                                  "status": status, "request_id": request_id, "fault": fault})

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self._ops.values()), "operations": dict(self._ops), "requests": list(self._journal)}

    def reset(self) -> None:
        with self._lock:
            self._ops.clear()
            self._journal.clear()
