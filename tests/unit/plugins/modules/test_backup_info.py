# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.backup_info end to end: the real module and SDK, canned DCS HTTP answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import backup_info
from ansible_collections.hwcloud.dcs.tests.unit.conftest import INSTANCE_ID

BACKUPS = '/instances/%s/backups' % INSTANCE_ID


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(backup_info.main, args, **kwargs)


def record(backup_id, created_at, status='succeed', restore='TRUE', backup_format='rdb'):
    return dict(backup_id=backup_id, period='', backup_name='backup-%s' % backup_id, instance_id=INSTANCE_ID,
                size=1024, backup_type='manual', created_at=created_at, updated_at=created_at, progress='100.00',
                error_code='', remark='', status=status, is_support_restore=restore, backup_format=backup_format,
                execution_at=created_at)


def add_records(dcs, *records, **kwargs):
    count = kwargs.pop('count', len(records))
    dcs.add('GET', BACKUPS, body=dict(total_num=count, backup_record_response=list(records)))


def query_of(call):
    return dict(part.split('=', 1) for part in call[2].split('&') if part)


def test_lists_every_record_newest_first_over_all_pages(run, dcs):
    first = [record('b%03d' % i, '2024-11-%02dT10:00:00Z' % (1 + i % 28)) for i in range(100)]
    add_records(dcs, *first, count=101)
    add_records(dcs, record('newest', '2024-12-01T09:00:00Z', backup_format='aof'), count=101)

    result = run(dict(instance_id=INSTANCE_ID))

    assert not result.failed and result['changed'] is False and result['instance_id'] == INSTANCE_ID
    backups = result['backups']
    assert len(backups) == 101 and backups[0]['backup_id'] == 'newest'
    assert [b['created_at'] for b in backups] == sorted((b['created_at'] for b in backups), reverse=True)
    assert (backups[0]['backup_format'], backups[0]['size'], backups[0]['status'], backups[0]['restorable']) == (
        'aof', 1024, 'succeed', True)
    assert [query_of(call)['offset'] for call in dcs.calls('GET', BACKUPS)] == ['0', '100']


def test_latest_is_the_newest_restorable_record(run, dcs):
    add_records(dcs,
                record('old-ok', '2024-11-01T10:00:00Z'),
                record('newer-failed', '2024-11-03T10:00:00Z', status='failed', restore='FALSE'),
                record('new-ok', '2024-11-02 10:00:00'),
                record('not-restorable', '2024-11-02T12:00:00Z', restore='FALSE'),
                record('running', '2024-11-04T10:00:00Z', status='backuping', restore='FALSE'))

    result = run(dict(instance_id=INSTANCE_ID, latest=True))

    assert [b['backup_id'] for b in result['backups']] == ['new-ok']


def test_latest_when_nothing_can_be_restored_is_an_empty_list(run, dcs):
    add_records(dcs, record('failed', '2024-11-03T10:00:00Z', status='failed', restore='FALSE'))

    result = run(dict(instance_id=INSTANCE_ID, latest=True))

    assert result['backups'] == [] and not result.failed


@pytest.mark.parametrize('begin', ['2024-11-01 00:00:00', '2024-11-01T08:00:00+08:00', '20241101000000'])
def test_time_range_is_sent_in_the_api_format_and_status_filters(run, dcs, begin):
    add_records(dcs, record('ok', '2024-11-02T10:00:00Z'), record('bad', '2024-11-03T10:00:00Z', status='failed'))

    result = run(dict(instance_id=INSTANCE_ID, begin_time=begin, end_time='20241130235959', status=['failed']))

    assert [b['backup_id'] for b in result['backups']] == ['bad']
    assert result['backups'][0]['restorable'] is False
    query = query_of(dcs.calls('GET', BACKUPS)[0])
    assert (query['begin_time'], query['end_time']) == ('20241101000000', '20241130235959')


def test_instance_by_exact_name(run, dcs):
    dcs.add('GET', '/instances', body=dict(instance_num=2, instances=[
        dict(instance_id='other', name='dcs-test-copy'), dict(instance_id=INSTANCE_ID, name='dcs-test')]))
    add_records(dcs, record('ok', '2024-11-02T10:00:00Z'))

    result = run(dict(instance_name='dcs-test'))

    assert result['instance_id'] == INSTANCE_ID and [b['backup_id'] for b in result['backups']] == ['ok']


def test_unknown_name_fails_clearly(run, dcs):
    dcs.add('GET', '/instances', body=dict(instance_num=0, instances=[]))

    result = run(dict(instance_name='nope'))

    assert result.failed
    assert result['msg'].startswith("instance_name 'nope': no DCS instance has this name")


def test_missing_instance_fails_with_the_api_codes(run, dcs):
    dcs.error('GET', BACKUPS, 404, 'DCS.3022', 'The instance does not exist.')

    result = run(dict(instance_id=INSTANCE_ID))

    assert result.failed and result['msg'].startswith("instance_id '%s' does not exist" % INSTANCE_ID)
    assert (result['error_code'], result['status_code']) == ('DCS.3022', 404)


@pytest.mark.parametrize('args,message', [
    (dict(instance_id=INSTANCE_ID, begin_time='yesterday'), "begin_time 'yesterday' must be a time: YYYY-MM-DD HH:MM:SS (UTC)"),
    (dict(instance_id=INSTANCE_ID, end_time='2024-02-30 00:00:00'), "end_time '2024-02-30 00:00:00' must be"),
    (dict(instance_id=INSTANCE_ID, end_time='2024113023595'), "end_time '2024113023595' must be"),
    (dict(), 'one of the following is required: instance_id, instance_name'),
    (dict(instance_id=INSTANCE_ID, instance_name='x'), 'parameters are mutually exclusive: instance_id|instance_name'),
])
def test_bad_input_fails_before_any_call(run, dcs, args, message):
    result = run(args)

    assert result.failed and message in result['msg']
    assert dcs.calls() == []
