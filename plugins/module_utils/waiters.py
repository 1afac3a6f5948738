# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a resource until it reaches a final state, bounded by wait_timeout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError

# While an operation is young (first 10 s), poll after a quarter of the time spent so
# far, every 0.5 to 1 s: a task of a few seconds is noticed within half a second (a
# fixed 1 s interval often polls just before such a task ends and a second too late).
YOUNG_FOR = 10.0
YOUNG_FRACTION = 0.25
FIRST_INTERVAL = 0.5
YOUNG_MAX_INTERVAL = 1.0
# Later, poll after 8% of the time spent so far, every 2 to 10 s: a finished operation
# is noticed within a tenth of its duration (with room for the call itself), a long
# one costs few calls, and the API never sees more than one status call per 2 s.
INTERVAL_FRACTION = 0.08
MIN_INTERVAL = 2.0
MAX_INTERVAL = 10.0


def poll_interval(elapsed):
    """Seconds to wait before the next status call, `elapsed` seconds into the wait."""
    if elapsed < YOUNG_FOR:
        return min(YOUNG_MAX_INTERVAL, max(FIRST_INTERVAL, elapsed * YOUNG_FRACTION))
    return min(MAX_INTERVAL, max(MIN_INTERVAL, elapsed * INTERVAL_FRACTION))


class WaitTimeoutError(DcsError):
    """wait_timeout ran out; `last` is the last value fetched."""

    def __init__(self, msg, last, **extra):
        super(WaitTimeoutError, self).__init__(msg, **extra)
        self.last = last


def wait_for(fetch, is_final, timeout, what, status_of, failure_extra=None, current=None):
    """Call fetch() with growing pauses until is_final(value); return that value.

    `current`, if given, is a value already fetched: no call is made when it is final.
    On timeout raise WaitTimeoutError naming wait_timeout and the last status
    (status_of(value)); failure_extra(value) adds keys to the failure result.
    """
    start = clock.now()
    deadline = start + timeout
    polls = 0
    while current is None or not is_final(current):
        now = clock.now()
        if now >= deadline and (polls or current is not None):
            extra = failure_extra(current) if failure_extra is not None else {}
            raise WaitTimeoutError(
                'Timed out after %s s (wait_timeout) waiting for %s; last status: %s'
                % (timeout, what, status_of(current)), current, **extra)
        clock.sleep(min(poll_interval(now - start), max(0.0, deadline - now)))
        current = fetch()
        polls += 1
    return current
