# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication failures as the API gateway answers them, byte for byte, through the real module and SDK.

The gateway's body is not DCS's: ``{"error_msg", "error_code", "request_id"}`` with no ``error_ext_msg``
(public reports: jeessy2/ddns-go#844, huaweicloud-sdk-python#13). The SDK takes error_code and error_msg
from the body and the request ID from the X-Request-Id response header, which the gateway sends too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task, migration_task_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import ACCESS_KEY, INSTANCE_ID, PASSWORD

REQUEST_ID = '8080d377bffeb6d519b0567c09cebe6b'
SIGNATURE_FAIL = 'Incorrect IAM authentication information: verify aksk signature fail'
UNKNOWN_KEY = 'Incorrect IAM authentication information: ak %s not exist' % ACCESS_KEY
IMPORT = dict(task_name='restore-sessions', wait=False, target_instance=dict(id=INSTANCE_ID, password=PASSWORD),
              backup_files=dict(bucket_name='redis-backups', files=[dict(file_name='dump.rdb')]))


def gateway_answer(dcs, message):
    """The exact bytes the gateway sends for a refused signature, and its X-Request-Id header."""
    body = '{"error_msg":"%s","error_code":"APIGW.0301","request_id":"%s"}' % (message, REQUEST_ID)
    dcs.mock.add('GET', dcs.url('/migration-tasks'), status=401, body=body, content_type='application/json',
                 headers={'X-Request-Id': REQUEST_ID})


@pytest.mark.parametrize('main, args', [(migration_task.main, IMPORT), (migration_task_info.main, {})],
                         ids=['migration_task', 'migration_task_info'])
@pytest.mark.parametrize('message', [SIGNATURE_FAIL, UNKNOWN_KEY], ids=['signature', 'unknown_key'])
def test_gateway_401_is_one_line_with_every_detail(run_module, dcs, main, args, message):
    gateway_answer(dcs, message)

    result = run_module(main, args)

    assert result.failed
    assert (result['status_code'], result['error_code'], result['error_msg'], result['request_id']) == \
        (401, 'APIGW.0301', message, REQUEST_ID)
    assert result['msg'].startswith('Failed to list migration tasks: APIGW.0301 %s (HTTP 401, request_id %s). ' % (
        message, REQUEST_ID))
    # ...followed by what to check: the secret key and the clock, or the access key.
    assert ('secret_key' in result['msg'] and 'clock' in result['msg']) if message == SIGNATURE_FAIL \
        else 'access_key' in result['msg']
    assert '\n' not in result['msg'] and 'Traceback' not in result.output
    assert len(dcs.calls()) == 1  # an authentication failure is not retried
