# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll a resource until it reaches a final state, bounded by wait_timeout, through API outages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.retries import backoff_delay, is_transient

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
# While the API does not answer, polls back off from about 2 s to MAX_INTERVAL (jittered).
OUTAGE_BASE_DELAY = 2.0


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


class Outages(object):
    """The times the API could not be reached during one wait: when each began, how many polls failed.

    A poll that fails for a transient reason (connection refused or reset, a timeout, 429, 5xx), after
    the call's own retries, does not end the wait: the next poll comes after a backoff, until the wait's
    deadline. What happened is reported as warnings once the API answers again.
    """

    def __init__(self):
        self.warnings = []
        self.started = None
        self.failed_polls = 0
        self.last_error = None

    @property
    def ongoing(self):
        return self.started is not None

    def failed(self, error):
        if self.started is None:
            self.started = clock.now()
        self.failed_polls += 1
        self.last_error = error

    def delay(self):
        """The pause before the next poll while the API does not answer (grows with each failed poll)."""
        return backoff_delay(min(self.failed_polls, 5), base=OUTAGE_BASE_DELAY, cap=MAX_INTERVAL)

    def describe(self):
        return ('the API did not answer for %.0f s (%d failed poll%s; last error: %s)'
                % (clock.now() - self.started, self.failed_polls, '' if self.failed_polls == 1 else 's',
                   self.last_error.msg))

    def answered(self, what):
        """The API answers again: remember a warning about the outage that just ended."""
        if self.ongoing:
            self.warnings.append('While waiting for %s, %s; the wait went on until it answered again'
                                 % (what, self.describe()))
            self.started, self.failed_polls, self.last_error = None, 0, None


def wait_for(fetch, is_final, timeout, what, status_of, failure_extra=None, current=None, outages=None):
    """Call fetch() with growing pauses until is_final(value); return that value.

    `current`, if given, is a value already fetched: no call is made when it is final.
    A fetch() that fails for a transient reason is tried again until the deadline (see Outages;
    `outages`, if given, collects the warnings). On timeout raise WaitTimeoutError naming
    wait_timeout and the last status (status_of(value)), and an outage still going on;
    failure_extra(value) adds keys to the failure result.
    """
    outages = outages if outages is not None else Outages()
    start = clock.now()
    deadline = start + timeout
    polls = 0
    while current is None or not is_final(current):
        now = clock.now()
        if now >= deadline and (polls or current is not None):
            extra = failure_extra(current) if failure_extra is not None else {}
            if outages.warnings:
                extra.setdefault('warnings', list(outages.warnings))
            raise WaitTimeoutError(
                'Timed out after %s s (wait_timeout) waiting for %s; last status: %s%s'
                % (timeout, what, status_of(current),
                   '; %s' % outages.describe() if outages.ongoing else ''), current, **extra)
        pause = outages.delay() if outages.ongoing else poll_interval(now - start)
        clock.sleep(min(pause, max(0.0, deadline - now)))
        polls += 1
        try:
            current = fetch()
        except DcsApiError as error:
            if not is_transient(error):
                raise
            outages.failed(error)
            continue
        outages.answered(what)
    return current
