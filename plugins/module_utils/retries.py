# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry transient API failures with capped, fully jittered exponential backoff.

Transient: HTTP 429 (API gateway throttling), HTTP 5xx, and connection errors
including timeouts. Anything else (4xx) fails at once, and so do the transport
failures no retry can get past (errors.transport_problem(): a certificate that
cannot be verified, a server without TLS, a host name that does not exist). The SDK's own retry
(HttpConfig.retry_times) only covers idempotent methods on 429, so it stays off.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, api_errors

BASE_DELAY = 1.0
MAX_DELAY = 20.0


def is_transient(error):
    """True for failures that may succeed when tried again."""
    if error.problem is not None:
        return False
    if error.status_code is None:
        return True
    try:
        status = int(error.status_code)
    except (TypeError, ValueError):
        return False
    return status == 429 or status >= 500


def backoff_delay(retry_number, base=BASE_DELAY, cap=MAX_DELAY):
    """Full jitter: uniform in [0, min(cap, base * 2**retry_number)]."""
    return random.uniform(0, min(cap, base * (2 ** retry_number)))


class Retrier(object):
    """Calls functions, retrying transient failures up to `retries` times each.

    `attempts` counts every attempt of every call (first tries included).
    """

    def __init__(self, retries):
        self.retries = max(0, int(retries))
        self.attempts = 0

    def call(self, action, func, before_retry=None, retry_if=is_transient):
        """Run func() and return its result, translating SDK errors to DcsApiError.

        retry_if(error) says whether a failure may be tried again (is_transient by default; a
        create call also refuses to re-send a request whose answer was lost).

        before_retry, if given, runs after each backoff and before func() is tried
        again; if it returns anything but None, that is returned instead. Create
        calls use it to look the resource up rather than create it twice when an
        attempt answered with an error (5xx) had created it all the same.
        """
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            try:
                with api_errors(action):
                    return func()
            except DcsApiError as error:
                if not retry_if(error) or attempt > self.retries:
                    raise error.with_attempts(attempt) if attempt > 1 else error
                delay = backoff_delay(attempt - 1)
                clock.sleep(delay)
            if before_retry is not None:
                found = before_retry()
                if found is not None:
                    return found
