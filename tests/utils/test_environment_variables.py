# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What docs/docsite/rst/environment_variables.rst says redirects signed requests does, with the installed SDK.

Each case points the module, ad hoc and through the environment only, at a loopback port where nothing
listens, and checks that the connection error names that very port: the request went where the
variable said, and nowhere else.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_awx_credential_type import closed_port, run_module_adhoc  # noqa: E402  pylint: disable=wrong-import-position

KEYS = {'HUAWEICLOUD_SDK_AK': 'AKENVPROBE', 'HUAWEICLOUD_SDK_SK': 'env-probe-secret',
        'HUAWEICLOUD_SDK_PROJECT_ID': '0' * 32}
ARGS = 'task_name=env-probe state=absent retries=0 api_timeout=5'
REGION = 'xx-probe-1'  # in no region table: only the variable under test can give it an endpoint


def redirected_to(tmp_path, env):
    result = run_module_adhoc(tmp_path, dict(KEYS, **env), args=ARGS)
    assert result['failed'] is True
    assert 'env-probe-secret' not in str(result)
    return result['msg']


def test_dcs_endpoint_variable_is_the_endpoint_option(tmp_path):
    port = closed_port()
    msg = redirected_to(tmp_path, {'HUAWEICLOUD_SDK_DCS_ENDPOINT': 'http://127.0.0.1:%d' % port})
    assert 'connection error' in msg and 'port=%d)' % port in msg, msg


def test_sdk_region_variable_gives_the_endpoint_of_a_region(tmp_path):
    port = closed_port()
    msg = redirected_to(tmp_path, {'HW_REGION_NAME': REGION,
                                   'HUAWEICLOUD_SDK_REGION_DCS_XX_PROBE_1': 'http://127.0.0.1:%d' % port})
    assert 'connection error' in msg and 'port=%d)' % port in msg, msg


@pytest.mark.parametrize('where', ['home', 'variable'])
def test_sdk_regions_file_gives_the_endpoint_of_a_region(tmp_path, where):
    port = closed_port()
    regions = 'DCS:\n  - id: %s\n    endpoint: http://127.0.0.1:%d\n' % (REGION, port)
    env = {'HW_REGION_NAME': REGION}
    if where == 'home':  # run_module_adhoc sets HOME to tmp_path
        (tmp_path / '.huaweicloud').mkdir()
        (tmp_path / '.huaweicloud' / 'regions.yaml').write_text(regions)
    else:
        (tmp_path / 'regions.yaml').write_text(regions)
        env['HUAWEICLOUD_SDK_REGIONS_FILE'] = str(tmp_path / 'regions.yaml')
    msg = redirected_to(tmp_path, env)
    assert 'connection error' in msg and 'port=%d)' % port in msg, msg


def test_without_any_of_them_an_unknown_region_is_refused(tmp_path):
    msg = redirected_to(tmp_path, {'HW_REGION_NAME': REGION})
    assert "region '%s' is not in the SDK's region table" % REGION in msg, msg


def test_an_endpoint_wins_over_the_sdk_region_variable(tmp_path):
    port, other = closed_port(), closed_port()
    msg = redirected_to(tmp_path, {'HW_REGION_NAME': REGION,
                                   'HUAWEICLOUD_SDK_DCS_ENDPOINT': 'http://127.0.0.1:%d' % port,
                                   'HUAWEICLOUD_SDK_REGION_DCS_XX_PROBE_1': 'http://127.0.0.1:%d' % other})
    assert 'port=%d)' % port in msg and 'port=%d)' % other not in msg, msg
