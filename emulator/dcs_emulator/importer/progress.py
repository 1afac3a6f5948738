# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Step logging with timings, and a sampler thread that reports progress while a server is busy loading."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Optional

LOG = logging.getLogger("dcs_emulator.importer")


class Reporter:
    """Wraps the caller's ``log(level, message)`` and ``progress(**stats)`` callbacks (both optional)."""

    def __init__(self, log: Optional[Callable] = None, progress: Optional[Callable] = None,
                 should_stop: Optional[Callable] = None):
        self._log = log
        self._progress = progress
        self._should_stop = should_stop
        self.started = time.monotonic()
        self.stats = {}

    def log(self, level: str, message: str) -> None:
        LOG.log(logging.ERROR if level == "ERROR" else logging.WARNING if level == "WARN" else logging.INFO, "%s", message)
        if self._log is not None:
            self._log(level, message)

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)

    def progress(self, **values) -> None:
        values = {key: value for key, value in values.items() if value is not None}
        self.stats.update(values)
        if self._progress is not None and values:
            self._progress(**values)

    def should_stop(self) -> bool:
        return bool(self._should_stop and self._should_stop())

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Sampler:
    """Calls ``sample()`` every ``interval`` seconds in a thread until stopped; ``on_stop`` runs once when the
    task is asked to stop (the sampler is the only thread awake while the main one waits on a blocking load)."""

    def __init__(self, sample: Callable[[], None], interval: float = 0.25, reporter: Optional[Reporter] = None,
                 on_stop: Optional[Callable[[], None]] = None):
        self._sample = sample
        self._interval = interval
        self._reporter = reporter
        self._on_stop = on_stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dcs-import-progress", daemon=True)
        self.stop_fired = False

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            if self._on_stop is not None and not self.stop_fired and self._reporter and self._reporter.should_stop():
                self.stop_fired = True
                self._on_stop()
            try:
                self._sample()
            except Exception:  # pylint: disable=broad-except  # progress is best effort; the import decides success
                LOG.debug("progress sample failed", exc_info=True)
