# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from huaweicloudsdkcore.exceptions import exceptions as sdk_errors

from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, api_errors
from ansible_collections.hwcloud.dcs.plugins.module_utils.retries import MAX_DELAY, Retrier, backoff_delay


def service_error(status, code):
    error = sdk_errors.SdkError(request_id='r-1', error_code=code, error_msg='failed')
    if status >= 500:
        return sdk_errors.ServerResponseException(status, error)
    return sdk_errors.ClientRequestException(status, error)


class Failing(object):
    """Raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return 'ok'


@pytest.mark.parametrize('retry_number', range(8))
def test_backoff_is_fully_jittered_and_capped(retry_number):
    ceiling = min(MAX_DELAY, 2 ** retry_number)
    delays = [backoff_delay(retry_number) for dummy in range(200)]
    assert all(0 <= delay <= ceiling for delay in delays)
    assert max(delays) > ceiling / 2  # spread over the whole range, not a fixed pause


@pytest.mark.parametrize('error', [service_error(429, 'APIGW.0308'), service_error(500, 'DCS.5000'),
                                   service_error(503, 'DCS.5000'), sdk_errors.ConnectionException('reset'),
                                   sdk_errors.CallTimeoutException('timed out')])
def test_transient_failures_are_retried(fake_clock, error):
    retrier = Retrier(3)
    func = Failing(error, error)

    assert retrier.call('do it', func) == 'ok'
    assert func.calls == 3 and retrier.attempts == 3 and len(fake_clock.sleeps) == 2


@pytest.mark.parametrize('status, code', [(400, 'DCS.4800'), (401, 'DCS.1001'), (403, 'DCS.2003'), (404, 'DCS.3022')])
def test_client_errors_are_not_retried(fake_clock, status, code):
    retrier = Retrier(3)

    with pytest.raises(DcsApiError) as raised:
        retrier.call('do it', Failing(service_error(status, code)))

    assert raised.value.status_code == status and raised.value.error_code == code
    assert retrier.attempts == 1 and fake_clock.sleeps == []


def test_before_retry_can_end_the_retries(fake_clock):
    func = Failing(sdk_errors.ConnectionException('reset'))

    assert Retrier(3).call('create', func, before_retry=lambda: 'found') == 'found'
    assert func.calls == 1


def test_other_exceptions_are_not_swallowed():
    with pytest.raises(KeyError):
        Retrier(3).call('do it', Failing(KeyError('bug')))


def test_api_errors_translates_sdk_failures():
    with pytest.raises(DcsApiError) as raised:
        with api_errors('show instance i-1'):
            raise service_error(404, 'DCS.3022')

    assert raised.value.msg == 'Failed to show instance i-1: DCS.3022 failed (HTTP 404, request_id r-1)'
    assert raised.value.extra == {'status_code': 404, 'error_code': 'DCS.3022', 'error_msg': 'failed',
                                  'request_id': 'r-1'}


def test_retry_if_can_refuse_a_retry_of_a_transient_failure(fake_clock):
    retrier = Retrier(3)
    func = Failing(sdk_errors.ConnectionException('reset'))

    with pytest.raises(DcsApiError) as raised:
        retrier.call('create', func, retry_if=lambda error: error.status_code is not None)

    assert func.calls == 1 and raised.value.msg == 'Failed to create: connection error: reset'
    assert fake_clock.sleeps == []
