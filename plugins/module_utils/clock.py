# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place retries and waiters read the time and sleep.

Call these through the module (clock.now(), clock.sleep()) so that tests can
replace them with a simulated clock instead of really sleeping.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


def now():
    return time.monotonic()


def wall():
    """Seconds since the epoch, to compare with times the API shows."""
    return time.time()


def sleep(seconds):
    if seconds > 0:
        time.sleep(seconds)
