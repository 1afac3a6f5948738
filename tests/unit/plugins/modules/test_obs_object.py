# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.obs_object end to end: the real module and boto3, answered by moto's S3 mock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

import pytest

BUCKET = 'redis-backups'
REGION = 'ap-southeast-1'
ENDPOINT = 'https://obs.%s.myhuaweicloud.com' % REGION
MIB = 1024 * 1024
# moto answers S3 calls to this endpoint too (read when moto is imported).
os.environ['MOTO_S3_CUSTOM_ENDPOINTS'] = ENDPOINT

boto3 = pytest.importorskip('boto3')
moto = pytest.importorskip('moto')

from ansible_collections.hwcloud.dcs.plugins.modules import obs_object  # noqa: E402
from ansible_collections.hwcloud.dcs.tests.unit.conftest import (  # noqa: E402
    ACCESS_KEY,
    SECRET_KEY,
    SECURITY_TOKEN,
)


@pytest.fixture
def s3(monkeypatch):
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'unused')  # moto reads them; the module passes its own
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'unused')
    with moto.mock_aws():
        client = boto3.client('s3', region_name=REGION, endpoint_url=ENDPOINT)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={'LocationConstraint': REGION})
        yield client


@pytest.fixture
def run(run_module):
    def run_upload(args, **kwargs):
        full = dict(endpoint=ENDPOINT, region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                    security_token=SECURITY_TOKEN, bucket=BUCKET)
        full.update(args)
        return run_module(obs_object.main, full, connection=False, **kwargs)
    return run_upload


@pytest.fixture
def dump(tmp_path):
    path = tmp_path / 'dump.rdb'
    path.write_bytes(b'REDIS0009' + bytes(range(256)) * 40)
    return path


def stored(s3, key='dump.rdb'):
    return s3.get_object(Bucket=BUCKET, Key=key)['Body'].read()


def test_uploads_a_new_file_and_reports_its_size_time_and_checksum(run, s3, dump):
    result = run(dict(src=str(dump)))
    assert not result.failed, result
    assert result['changed'] and result['uploaded'] and result['parts'] == 1
    assert stored(s3) == dump.read_bytes()
    assert result['size'] == str(dump.stat().st_size)
    assert result['checksum'] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$', result['update_at'])
    assert result['progress'][-1].startswith('100% ')


def test_a_second_run_uploads_nothing(run, s3, dump):
    first = run(dict(src=str(dump), object_name='backups/dump.rdb'))
    second = run(dict(src=str(dump), object_name='backups/dump.rdb'))
    assert not second['changed'] and not second['uploaded'] and second['parts'] == 0
    assert second['update_at'] == first['update_at'] and second['size'] == first['size']


def test_same_size_other_content_is_uploaded_again(run, s3, dump):
    run(dict(src=str(dump)))
    data = bytearray(dump.read_bytes())
    data[-1] ^= 0xFF
    dump.write_bytes(bytes(data))
    result = run(dict(src=str(dump)))
    assert result['changed'] and result['uploaded']
    assert stored(s3) == bytes(data)


def test_an_object_another_tool_put_with_the_same_bytes_counts_as_there(run, s3, dump):
    s3.put_object(Bucket=BUCKET, Key='dump.rdb', Body=dump.read_bytes())  # no checksum metadata, MD5 ETag
    result = run(dict(src=str(dump)))
    assert not result['changed'] and not result['uploaded']


def test_check_mode_uploads_nothing(run, s3, dump):
    result = run(dict(src=str(dump)), check_mode=True)
    assert result['changed'] and result['uploaded'] and result['update_at'] is None
    assert s3.list_objects_v2(Bucket=BUCKET).get('KeyCount') == 0


def test_a_large_file_goes_up_in_parts_with_progress(run, s3, tmp_path):
    big = tmp_path / 'big.rdb'
    big.write_bytes(b'REDIS0009' + b'x' * (11 * MIB))
    result = run(dict(src=str(big), part_size_mb=5))
    assert not result.failed, result
    assert result['parts'] == 3
    assert stored(s3, 'big.rdb') == big.read_bytes()
    assert s3.head_object(Bucket=BUCKET, Key='big.rdb')['ETag'].strip('"').endswith('-3')  # a multipart object
    percents = [int(line.split('%')[0]) for line in result['progress']]
    assert percents == sorted(percents) and percents[-1] == 100 and len(percents) >= 3
    again = run(dict(src=str(big), part_size_mb=5))
    assert not again['changed']


def test_a_missing_bucket_fails_with_the_api_error(run, s3, dump):
    result = run(dict(src=str(dump), bucket='no-such-bucket'))
    assert result.failed
    assert 'error_code NoSuchBucket' in result['msg'] and 'status_code 404' in result['msg']
    assert '\n' not in result['msg'] and 'Traceback' not in result.output


@pytest.mark.parametrize('name', ['../escape.rdb', '/abs.rdb', 'a/../../b.rdb', 'back\\slash.rdb'])
def test_object_names_that_leave_the_bucket_are_refused_before_any_call(run, s3, dump, name):
    result = run(dict(src=str(dump), object_name=name))
    assert result.failed and 'object_name' in result['msg']
    assert s3.list_objects_v2(Bucket=BUCKET).get('KeyCount') == 0


def test_a_missing_source_file_is_named(run, s3, tmp_path):
    result = run(dict(src=str(tmp_path / 'absent.rdb')))
    assert result.failed and 'absent.rdb' in result['msg'] and 'src' in result['msg']


def test_parts_below_the_minimum_are_refused(run, s3, dump):
    result = run(dict(src=str(dump), part_size_mb=4))
    assert result.failed and 'part_size_mb must be 5 or more' in result['msg']


def test_credentials_come_from_the_environment(run_module, s3, dump, monkeypatch):
    monkeypatch.setenv('HUAWEICLOUD_SDK_AK', ACCESS_KEY)
    monkeypatch.setenv('HUAWEICLOUD_SDK_SK', SECRET_KEY)
    monkeypatch.setenv('HW_REGION_NAME', REGION)
    monkeypatch.setenv('HUAWEICLOUD_SDK_OBS_ENDPOINT', ENDPOINT)
    result = run_module(obs_object.main, dict(bucket=BUCKET, src=str(dump)), connection=False)
    assert not result.failed, result
    assert stored(s3) == dump.read_bytes()


def test_without_boto3_the_module_says_what_to_install(run, dump, monkeypatch):
    monkeypatch.setattr(obs_object, 'BOTO3_IMPORT_ERROR', 'Traceback: No module named boto3')
    result = run(dict(src=str(dump)))
    assert result.failed and 'boto3' in result['msg'] and 'python' in result['msg'].lower()
