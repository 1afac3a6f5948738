# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks, scrub, to_plain
from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk


def test_scrub_removes_passwords_at_any_depth():
    value = {'password': 'a', 'target_instance': {'id': 'i', 'password': 'b'},
             'list': [{'source_password': 'c', 'ok': 1}]}
    assert scrub(value) == {'target_instance': {'id': 'i'}, 'list': [{'ok': 1}]}


def test_to_plain_converts_nested_models_to_dicts():
    sdk = load_sdk()
    files = [sdk.model('Files')(file_name='a.rdb', size='1')]
    body = sdk.model('BackupFilesBody')(file_source='self_build_obs', bucket_name='b', files=files)
    assert to_plain(body) == {'file_source': 'self_build_obs', 'bucket_name': 'b', 'backup_id': None,
                              'files': [{'file_name': 'a.rdb', 'size': '1', 'update_at': None}]}


# -- the calls the module does not use (for the info and stop modules) --------------------------

def api():
    from ansible_collections.hwcloud.dcs.plugins.module_utils.client import connect
    from ansible_collections.hwcloud.dcs.tests.unit.conftest import CONNECTION
    params = dict(CONNECTION, region=None, iam_endpoint=None, validate_certs=True, ca_bundle=None, api_timeout=5,
                  retries=0)
    return MigrationTasks(connect(params))


def test_stop_returns_the_task_without_passwords(dcs):
    dcs.add('POST', '/migration-task/t1/stop',
            body=dict(task_id='t1', task_name='n', status='TERMINATING', target_instance=dict(id='i', password='pw')))

    task = api().stop('t1')

    assert task['status'] == 'TERMINATING' and task['target_instance']['id'] == 'i'
    assert 'password' not in task['target_instance']


def test_stats_keep_the_boolean(dcs):
    dcs.add('GET', '/migration-task/t1/stats',
            body=dict(full_migration_progress='100', offset='0', source_dbsize='10', target_dbsize='10',
                      target_input_kbps='0', target_ops='0', is_migrating=False))

    stats = api().stats('t1')

    assert stats['is_migrating'] is False and stats['target_dbsize'] == '10'


def test_last_log_lines_read_the_last_page(dcs):
    first = [dict(created_at='c%03d' % i, log_level='INFO', message='m%03d' % i) for i in range(100)]
    last = [dict(created_at='c%03d' % i, log_level='INFO', message='m%03d' % i) for i in range(30, 130)]
    dcs.add('GET', '/migration-task/t1/logs', body=dict(log_num=130, migration_logs=first))
    dcs.add('GET', '/migration-task/t1/logs', body=dict(log_num=130, migration_logs=last))

    lines = api().last_log_lines('t1', lines=2)

    assert lines == ['c128 INFO m128', 'c129 INFO m129']
    assert [query for _m, _p, query in dcs.calls()] == ['limit=100&offset=0', 'limit=100&offset=30']
