# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.migration_task: a target given by name, and the pre-checks before the create (real module and SDK,
canned DCS HTTP answers)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from dcs_emulator.testing import shapes

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task
from ansible_collections.hwcloud.dcs.tests.unit.conftest import INSTANCE_ID, PASSWORD, PROJECT_ID, task_detail

NAME = 'restore-sessions'
TASK_ID = '8aa6999e71cb638b0171f485f5266ef0'
TARGET_NAME = 'dcs-test'


def present(target, files=('dump.rdb',), **overrides):
    args = dict(task_name=NAME, wait=False, target_instance=target,
                backup_files=dict(bucket_name='redis-backups', files=[dict(file_name=name) for name in files]))
    args.update(overrides)
    return args


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(migration_task.main, args, **kwargs)


def show_instance(dcs, status='RUNNING', engine_version='5.0', **fields):
    """The show call's answer, made by the emulator's serialiser (type, enable_ssl and engine_version are what the
    pre-checks read); fields the emulator does not model (cache_mode=None: an answer without it) go on top."""
    body = shapes.instance_detail(INSTANCE_ID, TARGET_NAME, status, ip='192.168.0.20', port=6379,
                                  engine_version=engine_version, type=fields.pop('type', 'ha'),
                                  enable_ssl=fields.pop('enable_ssl', False))
    body.update(fields)
    dcs.add('GET', '/instances/%s' % INSTANCE_ID, body=body)


def list_instances(dcs, *items):
    dcs.add('GET', '/instances', body=dict(instance_num=len(items), instances=[
        dict(instance_id=instance_id, name=name, status='RUNNING') for instance_id, name in items]))


def creating(dcs, **detail):
    dcs.create(TASK_ID, NAME)
    dcs.show_task(task_detail(TASK_ID, NAME, status='MIGRATING', **detail))


def query_of(call):
    return dict(part.split('=', 1) for part in call[2].split('&') if part)


# -- the target by name ---------------------------------------------------------------------------

def test_name_only_target_is_resolved_by_exact_name(run, dcs):
    dcs.list_tasks()
    list_instances(dcs, ('other-id', 'dcs-test-2'), (INSTANCE_ID, TARGET_NAME))
    show_instance(dcs)
    creating(dcs)

    result = run(present(dict(name=TARGET_NAME, password=PASSWORD)))

    assert not result.failed and result['changed'] is True
    assert result['target_instance_id'] == INSTANCE_ID
    assert dcs.request_body()['target_instance'] == {'id': INSTANCE_ID, 'name': TARGET_NAME, 'password': PASSWORD}
    query = query_of(dcs.calls('GET', '/instances')[0])
    assert (query['name'], query['name_equal']) == (TARGET_NAME, TARGET_NAME)


def test_a_second_run_by_name_adopts_the_task(run, dcs):
    dcs.list_tasks(dict(task_id=TASK_ID, task_name=NAME, status='SUCCESS'))
    list_instances(dcs, (INSTANCE_ID, TARGET_NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))

    result = run(present(dict(name=TARGET_NAME)))

    assert not result.failed and result['changed'] is False
    assert (result['task_id'], result['target_instance_id']) == (TASK_ID, INSTANCE_ID)
    assert dcs.calls('POST') == []


def test_a_task_into_another_instance_of_that_name_differs(run, dcs):
    dcs.list_tasks(dict(task_id=TASK_ID, task_name=NAME, status='SUCCESS'))
    list_instances(dcs, ('new-instance-id', TARGET_NAME))
    dcs.show_task(task_detail(TASK_ID, NAME))  # made into INSTANCE_ID, named dcs-test then

    result = run(present(dict(name=TARGET_NAME)))

    assert result.failed and 'target_instance.id differs' in result['msg']
    assert dcs.calls('POST') == []


def test_no_instance_with_that_name_fails_clearly(run, dcs):
    dcs.list_tasks()
    list_instances(dcs, ('other-id', 'dcs-test-2'))

    result = run(present(dict(name=TARGET_NAME)))

    assert result.failed
    assert result['msg'].startswith("target_instance.name 'dcs-test': no DCS instance has this name")
    assert dcs.calls('POST') == []


def test_several_instances_with_that_name_fail_listing_their_ids(run, dcs):
    dcs.list_tasks()
    list_instances(dcs, ('first-id', TARGET_NAME), ('second-id', TARGET_NAME))

    result = run(present(dict(name=TARGET_NAME)))

    assert result.failed
    assert "target_instance.name 'dcs-test': 2 DCS instances have this name (first-id, second-id)" in result['msg']
    assert dcs.calls('POST') == []


def test_check_mode_resolves_the_name_and_creates_nothing(run, dcs):
    dcs.list_tasks()
    list_instances(dcs, (INSTANCE_ID, TARGET_NAME))
    show_instance(dcs)

    result = run(present(dict(name=TARGET_NAME)), check_mode=True)

    assert result['changed'] is True and result['target_instance_id'] == INSTANCE_ID
    assert dcs.calls('POST') == []


def test_the_id_given_is_returned_without_a_lookup(run, dcs):
    dcs.list_tasks()
    show_instance(dcs)
    creating(dcs)

    result = run(present(dict(id=INSTANCE_ID)))

    assert result['target_instance_id'] == INSTANCE_ID
    assert dcs.calls('GET', '/instances') == []


# -- pre-checks --------------------------------------------------------------------------------------

def test_ssl_on_the_target_is_refused_with_the_fix(run, dcs):
    dcs.list_tasks()
    show_instance(dcs, enable_ssl=True)

    result = run(present(dict(id=INSTANCE_ID)))

    assert result.failed
    assert result['msg'].startswith("target instance 'dcs-test' (%s) has SSL enabled" % INSTANCE_ID)
    assert 'turn SSL off' in result['msg'] and 'skip_checks to include ssl' in result['msg']
    assert dcs.calls('POST') == []


def test_ssl_check_can_be_skipped(run, dcs):
    dcs.list_tasks()
    show_instance(dcs, enable_ssl=True)
    creating(dcs)

    result = run(present(dict(id=INSTANCE_ID), skip_checks=['ssl']))

    assert not result.failed and result['changed'] is True


@pytest.mark.parametrize('shown', [dict(type='cluster'), dict(cache_mode=None, spec_code='redis.cluster.xu1.large.r2.4')])
def test_aof_into_a_redis_cluster_is_refused(run, dcs, shown):
    dcs.list_tasks()
    show_instance(dcs, **shown)

    result = run(present(dict(id=INSTANCE_ID), files=('dump.rdb', 'tail.AOF')))

    assert result.failed
    assert 'is a Redis Cluster, which cannot import AOF files (tail.AOF)' in result['msg']
    assert 'import RDB files instead' in result['msg'] and 'skip_checks to include aof_into_cluster' in result['msg']
    assert dcs.calls('POST') == []


@pytest.mark.parametrize('cache_mode,files,skip', [
    ('cluster', ('dump.rdb',), []),  # RDB into a cluster is fine
    ('proxy', ('tail.aof',), []),  # a Proxy Cluster is not a Redis Cluster
    ('cluster', ('tail.aof',), ['aof_into_cluster']),
])
def test_aof_check_lets_through_what_it_should(run, dcs, cache_mode, files, skip):
    dcs.list_tasks()
    show_instance(dcs, type=cache_mode)
    creating(dcs)

    result = run(present(dict(id=INSTANCE_ID), files=files, skip_checks=skip))

    assert not result.failed and result['changed'] is True


def local_backup(tmp_path, name, header):
    path = tmp_path / name
    path.write_bytes(header + b'\xfa\x09redis-ver' + b'\0' * 32)
    return str(path)


@pytest.mark.parametrize('header,writer', [(b'REDIS0011', 'RDB version 11 (written by Redis 7.2 or newer)'),
                                           (b'VALKEY080', 'RDB version 80 (written by Valkey 9.0 or newer)')])
def test_a_local_backup_from_a_newer_redis_is_refused(run, dcs, tmp_path, header, writer):
    dcs.list_tasks()
    show_instance(dcs, engine_version='5.0')
    path = local_backup(tmp_path, 'dump.rdb', header)

    result = run(present(dict(id=INSTANCE_ID), backup_files=dict(
        bucket_name='redis-backups', files=[dict(file_name='dump.rdb', local_path=path)])))

    assert result.failed
    assert 'runs Redis 5.0, which loads RDB versions up to 9, but dump.rdb is %s' % writer in result['msg']
    assert 'skip_checks to include version' in result['msg']
    assert dcs.calls('POST') == []


def test_a_local_backup_the_target_can_load_is_imported_and_its_path_is_not_sent(run, dcs, tmp_path):
    dcs.list_tasks()
    show_instance(dcs, engine_version='5.0')
    creating(dcs)
    path = local_backup(tmp_path, 'dump.rdb', b'REDIS0009')

    result = run(present(dict(id=INSTANCE_ID), backup_files=dict(
        bucket_name='redis-backups', files=[dict(file_name='dump.rdb', local_path=path)])))

    assert not result.failed and result['changed'] is True
    assert dcs.request_body()['backup_files']['files'] == [{'file_name': 'dump.rdb'}]


@pytest.mark.parametrize('engine_version,skip', [('5.0', ['version']), ('9.9', [])])
def test_version_check_skipped_or_unknown_engine(run, dcs, tmp_path, engine_version, skip):
    dcs.list_tasks()
    show_instance(dcs, engine_version=engine_version)
    creating(dcs)
    path = local_backup(tmp_path, 'dump.rdb', b'REDIS0012')

    result = run(present(dict(id=INSTANCE_ID), skip_checks=skip, backup_files=dict(
        bucket_name='redis-backups', files=[dict(file_name='dump.rdb', local_path=path)])))

    assert not result.failed and result['changed'] is True


def test_an_unreadable_local_path_fails_before_any_call(run, dcs, tmp_path):
    missing = str(tmp_path / 'absent.rdb')

    result = run(present(dict(id=INSTANCE_ID), backup_files=dict(
        bucket_name='redis-backups', files=[dict(file_name='dump.rdb', local_path=missing)])))

    assert result.failed
    assert result['msg'].startswith("backup_files.files[0].local_path '")
    assert result['msg'].endswith("absent.rdb' is not a file the module can read")
    assert dcs.calls() == []


def test_a_target_that_is_not_running_is_refused_first(run, dcs):
    dcs.list_tasks()
    show_instance(dcs, status='FROZEN', enable_ssl=True)

    result = run(present(dict(id=INSTANCE_ID)))

    assert result.failed and 'is FROZEN, not RUNNING' in result['msg']
    assert ('GET', '/v2/%s/instances/%s' % (PROJECT_ID, INSTANCE_ID)) in [c[:2] for c in dcs.calls()]


def test_skip_checks_refuses_unknown_names(run, dcs):
    result = run(present(dict(id=INSTANCE_ID), skip_checks=['running']))

    assert result.failed and 'skip_checks' in result['msg'] and dcs.calls() == []
