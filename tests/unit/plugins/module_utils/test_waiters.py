# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import Outages, WaitTimeoutError, wait_for


class Operation(object):
    """Finishes `length` seconds after it starts; counts how often it is fetched."""

    def __init__(self, length):
        self.done_at = clock.now() + length
        self.fetches = 0

    def fetch(self):
        self.fetches += 1
        return {'status': 'SUCCESS' if clock.now() >= self.done_at else 'MIGRATING'}


def wait(operation, timeout=100000):
    return wait_for(operation.fetch, lambda value: value['status'] == 'SUCCESS', timeout, 'the operation',
                    lambda value: value['status'])


def latencies(length, steps=100):
    """How late the waiter notices operations ending anywhere in the last 10% of `length` (any phase of its polls)."""
    result = []
    for step in range(steps + 1):
        operation = Operation(length * (0.9 + 0.1 * step / steps))
        wait(operation)
        result.append(clock.now() - operation.done_at)
    return result


@pytest.mark.parametrize('length, limit', [
    (0.5, 0.5), (2, 0.5), (2.2, 0.5),  # short tasks: within half a second
    (5, 1.0), (9.5, 1.0),  # young: within a second
    (15, 2.0),  # never more often than every 2 s after 10 s
    (30, 3.0), (120, 12.0), (300, 30.0), (1000, 100.0), (3600, 360.0),  # within a tenth of the length
])
def test_finished_operations_are_noticed_quickly(fake_clock, length, limit):
    assert max(latencies(length)) <= limit + 1e-9


def test_after_ten_seconds_status_calls_are_at_least_two_seconds_apart(fake_clock):
    operation = Operation(600)
    polls = []
    fetch = operation.fetch

    def recording_fetch():
        polls.append(fake_clock.time)
        return fetch()

    operation.fetch = recording_fetch
    wait(operation)

    late = [poll for poll in polls if poll - 1000.0 > 10]
    assert late and all(later - earlier >= 2.0 for earlier, later in zip(late, late[1:]))
    assert len([poll for poll in polls if poll - 1000.0 <= 2]) == 4  # every 0.5 s at first


def test_long_operations_cost_few_calls(fake_clock):
    operation = Operation(1800)

    wait(operation)

    # 13 polls in the first 10 s, every 2 s up to 25 s (8), 8% of the elapsed time up to 125 s (21), then every 10 s
    assert operation.fetches <= 13 + 8 + 21 + (1800 - 125) // 10 + 1
    assert max(fake_clock.sleeps) == 10


def test_timeout_names_wait_timeout_and_the_last_status(fake_clock):
    operation = Operation(100)

    with pytest.raises(WaitTimeoutError) as raised:
        wait(operation, timeout=20)

    assert raised.value.msg == 'Timed out after 20 s (wait_timeout) waiting for the operation; last status: MIGRATING'
    assert raised.value.last == {'status': 'MIGRATING'}
    assert sum(fake_clock.sleeps) == pytest.approx(20)


def test_a_final_value_already_known_costs_no_call(fake_clock):
    operation = Operation(0)

    result = wait_for(operation.fetch, lambda value: True, 10, 'x', str, current={'status': 'SUCCESS'})

    assert result == {'status': 'SUCCESS'} and operation.fetches == 0 and fake_clock.sleeps == []


class Unreachable(Operation):
    """An operation whose status call fails (connection refused) between `down` and `up` seconds."""

    def __init__(self, length, down, up, error=None):
        super(Unreachable, self).__init__(length)
        start = clock.now()
        self.down, self.up = start + down, start + up
        self.error = error or DcsApiError('show the operation', error_msg='connection error: Connection refused')

    def fetch(self):
        if self.down <= clock.now() < self.up:
            self.fetches += 1
            raise self.error
        return super(Unreachable, self).fetch()


@pytest.mark.parametrize('down, up', [(0, 60), (3, 63), (100, 160), (500, 1000)])
def test_a_wait_outlasts_an_outage_and_reports_it(fake_clock, down, up):
    operation = Unreachable(1200, down, up)
    outages = Outages()

    assert wait_for(operation.fetch, lambda value: value['status'] == 'SUCCESS', 3600, 'the operation',
                    lambda value: value['status'], outages=outages) == {'status': 'SUCCESS'}
    assert len(outages.warnings) == 1
    seconds = float(outages.warnings[0].split('did not answer for ')[1].split(' s ')[0])
    assert up - down - 10 <= seconds <= up - down + 10  # from the first failed poll to the first answer
    assert 'Connection refused' in outages.warnings[0]


def test_polls_back_off_during_an_outage(fake_clock):
    operation = Unreachable(650, 0, 600)

    wait(operation, timeout=700)

    assert max(fake_clock.sleeps) <= 10 and operation.fetches < 600 / 2  # never faster than every 2 s on average


def test_an_outage_at_the_deadline_is_named_in_the_timeout(fake_clock):
    operation = Unreachable(1000, 5, 1000)

    with pytest.raises(WaitTimeoutError) as raised:
        wait(operation, timeout=60)

    assert raised.value.msg.startswith('Timed out after 60 s (wait_timeout) waiting for the operation; last status: '
                                       'MIGRATING; the API did not answer for ')
    assert 'last error: Failed to show the operation: connection error: Connection refused' in raised.value.msg


def test_a_refusal_is_not_an_outage(fake_clock):
    operation = Unreachable(100, 1, 50, error=DcsApiError('show the operation', status_code=403, error_code='DCS.2003',
                                                          error_msg='The request is rejected.'))

    with pytest.raises(DcsApiError) as raised:
        wait(operation)

    assert raised.value.error_code == 'DCS.2003'
