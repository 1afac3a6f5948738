# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a resource until it reaches a final state, bounded by wait_timeout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError

FIRST_INTERVAL = 1.0
MAX_INTERVAL = 10.0
# Poll after a tenth of the time spent so far: a finished operation is noticed
# within 10% of its duration (and within a second while it is young), while a
# long one costs few calls.
INTERVAL_FRACTION = 0.1


def poll_interval(elapsed):
    return min(MAX_INTERVAL, max(FIRST_INTERVAL, elapsed * INTERVAL_FRACTION))


class WaitTimeoutError(DcsError):
    """wait_timeout ran out; `last` is the last value fetched."""

    def __init__(self, msg, last, **extra):
        super(WaitTimeoutError, self).__init__(msg, **extra)
        self.last = last


def wait_for(fetch, is_final, timeout, what, status_of, result_of=None, current=None):
    """Call fetch() with growing pauses until is_final(value); return that value.

    `current`, if given, is a value already fetched: no call is made when it is final.
    On timeout raise WaitTimeoutError naming wait_timeout and the last status
    (status_of(value)); result_of(value) adds keys to the failure result.
    """
    start = clock.now()
    deadline = start + timeout
    polls = 0
    while current is None or not is_final(current):
        now = clock.now()
        if now >= deadline and (polls or current is not None):
            extra = result_of(current) if result_of is not None else {}
            raise WaitTimeoutError(
                'Timed out after %s s (wait_timeout) waiting for %s; last status: %s'
                % (timeout, what, status_of(current)), current, **extra)
        clock.sleep(min(poll_interval(now - start), max(0.0, deadline - now)))
        current = fetch()
        polls += 1
    return current
