# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.module_utils import clock
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import WaitTimeoutError, wait_for


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


@pytest.mark.parametrize('length', [0.5, 2, 5, 9.5, 30, 120, 1000, 3600])
def test_finished_operations_are_noticed_quickly(fake_clock, length):
    operation = Operation(length)

    wait(operation)

    latency = fake_clock.time - operation.done_at
    assert latency <= max(1.0, 0.1 * length) + 1e-9


def test_long_operations_cost_few_calls(fake_clock):
    operation = Operation(1800)

    wait(operation)

    # 1 s polls for the first 10 s (10), a tenth of the elapsed time up to 100 s (about 25), then every 10 s
    assert operation.fetches <= 10 + 25 + (1800 - 100) // 10
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
