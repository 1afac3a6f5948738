# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hwcloud.dcs.online_migration_task end to end: the real module and SDK, canned DCS HTTP answers.

The canned online-migration answers follow the SDK's models and the vendor's pages (show: tenant_* fields,
source_instance and target_instance; configure answers {id, name, status}; sync-stop answers without a body).
Like the real service, the show call may echo passwords.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.hwcloud.dcs.plugins.modules import migration_task_info, online_migration_task
from ansible_collections.hwcloud.dcs.tests.unit.conftest import (
    INSTANCE_ID,
    PASSWORD,
    PROJECT_ID,
    SECRETS,
    SOURCE_PASSWORD,
)

NAME = 'sessions-to-dcs'
TASK_ID = '5d7e9c1a0b2f4e6a8c0d1e2f3a4b5c6d'
VPC, SUBNET, GROUP = 'vpc-0a1b2c', 'subnet-3d4e5f', 'sg-6a7b8c'
SOURCE = '192.168.1.10:6379'
STATS = dict(full_migration_progress='100', offset='0', source_dbsize='1200', target_dbsize='1200',
             target_input_kbps='3', target_ops='40', is_migrating=True)


def online_detail(status='INCRMIGRATING', configured=True, **extra):
    """The show answer of an online migration; it echoes the passwords, as the real service may."""
    detail = dict(
        task_id=TASK_ID, task_name=NAME, description='', status=status, migration_type='online_migration',
        migration_method='', resume_mode='', bandwidth_limit_mb='', network_type='VPC',
        ecs_tenant_private_ip='192.168.0.12', tenant_vpc_id=VPC, tenant_subnet_id=SUBNET,
        tenant_security_group_id=GROUP, source_instance={}, target_instance={},
        created_at='2024-11-06T10:00:00.000Z', updated_at='2024-11-06T10:05:00.000Z', supported_features=[])
    if configured:
        detail.update(migration_method='incremental_migration', resume_mode='manual',
                      source_instance=dict(addrs=SOURCE, password=SOURCE_PASSWORD),
                      target_instance=dict(id=INSTANCE_ID, name='dcs-test', password=PASSWORD))
    detail.update(extra)
    return detail


def online_item(status='INCRMIGRATING', **extra):
    item = dict(task_id=TASK_ID, task_name=NAME, status=status, migration_type='online_migration',
                migration_method='incremental_migration', data_source=SOURCE, target_instance_id=INSTANCE_ID,
                target_instance_name='dcs-test', created_at='2024-11-06T10:00:00.000Z', description='',
                error_message='', resume_mode='manual')
    item.update(extra)
    return item


def present(**overrides):
    args = dict(task_name=NAME, vpc_id=VPC, subnet_id=SUBNET, security_group_id=GROUP,
                migration_method='incremental_migration',
                source_instance=dict(addrs=SOURCE, password=SOURCE_PASSWORD),
                target_instance=dict(id=INSTANCE_ID, password=PASSWORD), wait=False)
    args.update(overrides)
    return args


class Online(object):
    """The online-migration calls of the canned service."""

    def __init__(self, dcs):
        self.dcs = dcs

    def new_task(self, *details):
        """No task of that name yet and a RUNNING target; the create call, then the show answers `details` (the
        first one answers the check that the new task is ready for its configuration)."""
        self.dcs.list_tasks()
        self.dcs.instance('RUNNING')
        self.create()
        self.shows(*details)

    def shows(self, *details):
        for detail in details:
            self.dcs.show_task(detail)

    def create(self):
        self.dcs.add('POST', '/migration/instance', body=dict(instance_id=TASK_ID))

    def configure(self):
        self.dcs.add('POST', '/migration/%s/task' % TASK_ID, body=dict(id=TASK_ID, name=NAME, status='FULLMIGRATING'))

    def stats(self):
        self.dcs.add('GET', '/migration-task/%s/stats' % TASK_ID, body=STATS)

    def restart(self, result='success', **refusal):
        self.dcs.add('POST', '/migration-tasks/batch-restart',
                     body=dict(migration_tasks=[dict(result=result, task_id=TASK_ID, **refusal)]))

    def sync_stop(self):
        self.dcs.add('POST', '/migration-task/%s/sync-stop' % TASK_ID, status=204)

    def paths(self, method=None):
        return [call[1].replace('/v2/%s' % PROJECT_ID, '') for call in self.dcs.calls(method)]


@pytest.fixture
def online(dcs):
    return Online(dcs)


@pytest.fixture
def run(run_module):
    return lambda args, **kwargs: run_module(online_migration_task.main, args, **kwargs)


def changing_calls(online):
    return [(m, p) for m, p in zip([c[0] for c in online.dcs.calls()], online.paths()) if m != 'GET']


# -- create and configure -----------------------------------------------------------------------

def test_create_then_configure_sends_both_calls_and_returns_task_and_stats(run, dcs, online):
    online.new_task(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'))
    online.configure()
    online.stats()

    result = run(present(description='move sessions', resume_mode='auto', bandwidth_limit_mb=50))

    assert result['changed'] is True and not result.failed
    assert result['task_id'] == TASK_ID
    assert result['online_migration_task']['status'] == 'FULLMIGRATING'
    assert result['stats'] == STATS
    # After the create, the list is read again (at once, and after a tick while the new task is not shown):
    # concurrent runs keep one task per name (the lifecycle's rule).
    assert online.paths() == ['/migration-tasks', '/instances/%s' % INSTANCE_ID, '/migration/instance',
                              '/migration-tasks', '/migration-tasks', '/migration-task/%s' % TASK_ID, '/migration/%s/task' % TASK_ID,
                              '/migration-task/%s' % TASK_ID, '/migration-task/%s/stats' % TASK_ID]
    assert dcs.request_body(0) == dict(name=NAME, description='move sessions', vpc_id=VPC, subnet_id=SUBNET,
                                       security_group_id=GROUP)
    assert dcs.request_body(1) == dict(
        migration_method='incremental_migration', resume_mode='auto', bandwidth_limit_mb='50',
        source_instance=dict(addrs=SOURCE, password=SOURCE_PASSWORD),
        target_instance=dict(id=INSTANCE_ID, password=PASSWORD))
    assert 'password' not in json.dumps(result['online_migration_task'])


def list_instances(dcs, *items):
    dcs.add('GET', '/instances', body=dict(instance_num=len(items), instances=[
        dict(instance_id=instance_id, name=name, status='RUNNING') for instance_id, name in items]))


def test_a_target_known_by_name_only_is_resolved_and_configured_by_its_id(run, dcs, online):
    dcs.list_tasks()
    list_instances(dcs, ('other-id', 'dcs-test-2'), (INSTANCE_ID, 'dcs-test'))
    dcs.instance('RUNNING')
    online.create()
    online.shows(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'))
    online.configure()
    online.stats()

    result = run(present(target_instance=dict(name='dcs-test', password=PASSWORD)))

    assert result['changed'] is True and not result.failed
    assert result['target_instance_id'] == INSTANCE_ID
    query = dict(part.split('=', 1) for part in dcs.calls('GET', '/v2/%s/instances' % PROJECT_ID)[0][2].split('&'))
    assert (query['name'], query['name_equal']) == ('dcs-test', 'dcs-test')
    # The configure call takes IDs only: the name is not sent.
    assert dcs.request_body(1)['target_instance'] == dict(id=INSTANCE_ID, password=PASSWORD)


@pytest.mark.parametrize('items, message', [
    ([('other-id', 'dcs-test-2')], "target_instance.name 'dcs-test': no DCS instance has this name"),
    ([(INSTANCE_ID, 'dcs-test'), ('twin-id', 'dcs-test')],
     "target_instance.name 'dcs-test': 2 DCS instances have this name (%s, twin-id)" % INSTANCE_ID),
])
def test_a_target_name_that_matches_no_or_several_instances_fails_before_the_create(run, dcs, items, message):
    dcs.list_tasks()
    list_instances(dcs, *items)

    result = run(present(target_instance=dict(name='dcs-test')))

    assert result.failed and result['msg'].startswith(message)
    assert not dcs.calls('POST')


@pytest.mark.parametrize('steady', ['INCRMIGRATING', 'INCRMIGEATING'])
def test_wait_returns_when_an_incremental_migration_replicates(run, dcs, online, fake_clock, steady):
    online.new_task(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'),
                    online_detail('FULLMIGRATING'), online_detail(steady))
    online.configure()
    online.stats()

    result = run(present(wait=True))

    assert result['changed'] is True and not result.failed
    assert result['online_migration_task']['status'] == steady
    assert len(dcs.calls('GET', '/migration-task/%s' % TASK_ID)) == 4
    assert fake_clock.sleeps == [2.0, 0.5, 0.5, 0.5]  # the reconcile wait after the create (tick + margin), polls


def test_wait_returns_when_a_full_migration_succeeded(run, dcs, online):
    online.new_task(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'),
                    online_detail('SUCCESS', migration_method='full_amount_migration'))
    online.configure()
    online.stats()

    result = run(present(wait=True, migration_method='full_amount_migration'))

    assert result['online_migration_task']['status'] == 'SUCCESS' and result['changed'] is True
    assert dcs.request_body(1)['migration_method'] == 'full_amount_migration'


def test_a_new_task_still_creating_is_configured_once_it_is_ready(run, dcs, online, fake_clock):
    online.new_task(online_detail('CREATING', configured=False), online_detail('CREATING', configured=False),
                    online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'))
    online.configure()
    online.stats()

    result = run(present())

    assert result['changed'] is True
    assert len(dcs.calls('POST', '/migration/%s/task' % TASK_ID)) == 1
    assert len(fake_clock.sleeps) == 3  # the reconcile wait after the create, two polls until it is ready


def test_a_failed_migration_fails_with_its_error_and_log_lines(run, dcs, online):
    online.new_task(online_detail('RUNNING', configured=False), online_detail('FAILED'))
    online.configure()
    dcs.list_tasks(online_item('FAILED', error_message='The source refused PSYNC'))
    dcs.logs(TASK_ID, 'connecting to %s' % SOURCE, 'PSYNC refused: NOPERM')

    result = run(present(wait=True))

    assert result.failed and result['changed'] is True and result['task_id'] == TASK_ID
    assert "online migration task '%s' (%s) ended FAILED: The source refused PSYNC" % (NAME, TASK_ID) in result['msg']
    assert 'PSYNC refused: NOPERM' in result['msg']


def test_a_failed_configure_call_still_reports_the_created_task(run, dcs, online):
    online.new_task(online_detail('RUNNING', configured=False))
    dcs.error('POST', '/migration/%s/task' % TASK_ID, 400, 'DCS.4800', 'Invalid source_instance in the request.')

    result = run(present())

    assert result.failed and result['changed'] is True and result['task_id'] == TASK_ID
    assert result['error_code'] == 'DCS.4800'


def test_a_configure_refused_because_another_run_configured_the_task_alike_is_no_failure(run, dcs, online):
    online.new_task(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'))
    dcs.error('POST', '/migration/%s/task' % TASK_ID, 400, 'DCS.4957', 'The task status does not allow this.')
    online.stats()

    alike = run(present())

    online.new_task(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING', resume_mode='auto'))
    differently = run(present())

    assert alike['changed'] is True and not alike.failed
    assert differently.failed and differently['changed'] is True
    assert ("online migration task '%s' (%s) was configured meanwhile by another run, differently: resume_mode "
            "differs" % (NAME, TASK_ID)) == differently['msg']


def test_creating_needs_the_network_options_and_sends_nothing_without_them(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')

    result = run(present(vpc_id=None, security_group_id=None))

    assert result.failed
    assert result['msg'].startswith("vpc_id, security_group_id are required to create online migration task '%s'"
                                    % NAME)
    assert not dcs.calls('POST')


def test_a_target_instance_that_is_not_running_is_refused_before_the_create(run, dcs):
    dcs.list_tasks()
    dcs.instance('FROZEN')

    result = run(present())

    assert result.failed and 'is FROZEN, not RUNNING' in result['msg']
    assert not dcs.calls('POST')


# -- an existing task ---------------------------------------------------------------------------

def test_same_configuration_is_unchanged(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail())
    online.stats()

    result = run(present(wait=True), diff=True)

    assert result['changed'] is False and not result.failed
    assert result['online_migration_task']['status'] == 'INCRMIGRATING'
    assert result['stats'] == STATS
    assert changing_calls(online) == []
    assert result['diff']['before'] == result['diff']['after']


def test_a_task_created_but_never_configured_is_configured_not_duplicated(run, dcs, online):
    dcs.list_tasks(online_item('RUNNING', migration_method='', data_source=''))
    online.shows(online_detail('RUNNING', configured=False), online_detail('RUNNING', configured=False),
                 online_detail('FULLMIGRATING'))
    online.configure()
    online.stats()

    result = run(present(), diff=True)

    assert result['changed'] is True and result['task_id'] == TASK_ID
    assert changing_calls(online) == [('POST', '/migration/%s/task' % TASK_ID)]
    assert dcs.request_body()['source_instance'] == dict(addrs=SOURCE, password=SOURCE_PASSWORD)
    assert result['diff']['before']['status'] == 'RUNNING'
    assert result['diff']['after']['status'] == 'FULLMIGRATING'


def test_an_unconfigured_task_that_another_run_configures_first_is_not_configured_again(run, dcs, online):
    """Concurrent runs that all found the task unconfigured: only the first configures it, the others report no
    change (configuring it again would start the migration over)."""
    dcs.list_tasks(online_item('RUNNING', migration_method='', data_source=''))
    online.shows(online_detail('RUNNING', configured=False), online_detail('FULLMIGRATING'),
                 online_detail('FULLMIGRATING'))
    online.stats()
    already = run(present())

    dcs.list_tasks(online_item('RUNNING', migration_method='', data_source=''))
    online.shows(online_detail('RUNNING', configured=False), online_detail('RUNNING', configured=False),
                 online_detail('FULLMIGRATING'), online_detail('FULLMIGRATING'))
    dcs.error('POST', '/migration/%s/task' % TASK_ID, 400, 'DCS.4957', 'The task status does not allow this.')
    online.stats()
    refused = run(present())

    assert not already.failed and already['changed'] is False and already['task_id'] == TASK_ID
    assert not refused.failed and refused['changed'] is False and refused['task_id'] == TASK_ID
    assert changing_calls(online) == [('POST', '/migration/%s/task' % TASK_ID)]  # the refused one only


def test_a_changed_resume_mode_is_updated_in_place(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail(), online_detail(resume_mode='auto'))
    dcs.add('PUT', '/migration-task/%s' % TASK_ID, body={})
    online.stats()

    result = run(present(resume_mode='auto'), diff=True)

    assert result['changed'] is True and not result.failed
    assert changing_calls(online) == [('PUT', '/migration-task/%s' % TASK_ID)]
    assert dcs.request_body(method='PUT') == dict(resume_mode='auto')
    assert result['diff']['before']['resume_mode'] == 'manual'
    assert result['diff']['after']['resume_mode'] == 'auto'
    assert result['online_migration_task']['resume_mode'] == 'auto'


def test_check_mode_predicts_the_resume_mode_change_without_making_it(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail())
    online.stats()

    result = run(present(resume_mode='auto'), check_mode=True, diff=True)

    assert result['changed'] is True
    assert changing_calls(online) == []
    assert result['diff']['after']['resume_mode'] == 'auto'
    assert 'password' not in json.dumps(result['diff'])


def test_other_differences_are_refused_naming_the_fields(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail(bandwidth_limit_mb='20'))

    result = run(present(bandwidth_limit_mb=50, source_instance=dict(addrs='192.168.1.11:6379'),
                         resume_mode='auto', description='other'))

    assert result.failed and not result.get('changed')
    assert ("online migration task '%s' (%s) already exists with a different request: description, "
            "bandwidth_limit_mb, source_instance.addrs differ" % (NAME, TASK_ID)) in result['msg']
    assert 'resume_mode' not in result['msg']
    assert changing_calls(online) == []


def test_an_option_the_show_call_does_not_show_is_named_in_a_warning_not_taken_as_equal(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail(resume_mode=''))
    online.stats()

    result = run(present(target_instance=dict(id=INSTANCE_ID, addrs='192.168.0.20:6379'), resume_mode='auto'))

    assert result['changed'] is False and not result.failed
    assert result.warnings == [
        "online migration task '%s' (%s): the show call does not show resume_mode, target_instance.addrs, so they "
        "were not compared with the task: the task may differ there" % (NAME, TASK_ID)]
    assert changing_calls(online) == []


def test_a_limit_differs_from_a_task_without_one(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail())

    result = run(present(bandwidth_limit_mb=50))

    assert result.failed and 'bandwidth_limit_mb differs' in result['msg']


def test_a_failed_task_is_not_replaced_and_the_message_says_how_to_restart_it(run, dcs, online):
    dcs.list_tasks(online_item('FAILED', error_message='source connection lost'))
    online.shows(online_detail('FAILED'))

    result = run(present())

    assert result.failed
    assert 'ended FAILED: source connection lost; restart it with state=restarted' in result['msg']
    assert changing_calls(online) == []


def test_a_stopped_task_is_the_normal_end_and_stays_unchanged(run, dcs, online):
    dcs.list_tasks(online_item('TERMINATED'))
    online.shows(online_detail('TERMINATED'))
    online.stats()

    result = run(present(wait=True))

    assert result['changed'] is False and not result.failed
    assert result['online_migration_task']['status'] == 'TERMINATED'


# -- stopped, restarted, absent -----------------------------------------------------------------

def test_stopped_stops_the_replication_and_waits_until_terminated(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail(), online_detail('TERMINATED'))
    dcs.add('POST', '/migration-task/%s/stop' % TASK_ID, body=online_detail('TERMINATING'))
    online.stats()

    result = run(dict(task_name=NAME, state='stopped'), diff=True)

    assert result['changed'] is True and not result.failed
    assert result['online_migration_task']['status'] == 'TERMINATED'
    assert changing_calls(online) == [('POST', '/migration-task/%s/stop' % TASK_ID)]
    assert result['diff']['before']['status'] == 'INCRMIGRATING'
    assert 'stats' in result


def test_stopped_leaves_a_stopped_task_alone(run, dcs, online):
    dcs.list_tasks(online_item('TERMINATED'))
    online.shows(online_detail('TERMINATED'))
    online.stats()

    result = run(dict(task_name=NAME, state='stopped'))

    assert result['changed'] is False
    assert changing_calls(online) == []


@pytest.mark.parametrize('status', ['FAILED', 'TERMINATED'])
def test_restarted_restarts_a_failed_or_stopped_task_and_waits(run, dcs, online, status):
    dcs.list_tasks(online_item(status))
    online.shows(online_detail(status), online_detail('FULLMIGRATING'), online_detail('INCRMIGRATING'))
    online.restart()
    online.stats()

    result = run(dict(task_name=NAME, state='restarted'), diff=True)

    assert result['changed'] is True and not result.failed
    assert result['online_migration_task']['status'] == 'INCRMIGRATING'
    assert changing_calls(online) == [('POST', '/migration-tasks/batch-restart')]
    assert dcs.request_body() == dict(migration_tasks=[TASK_ID])
    assert result['diff']['before']['status'] == status


def test_restarted_leaves_a_running_task_alone_and_check_mode_restarts_nothing(run, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail())
    online.stats()

    running = run(dict(task_name=NAME, state='restarted'))

    dcs.list_tasks(online_item('FAILED'))
    online.shows(online_detail('FAILED'))
    checked = run(dict(task_name=NAME, state='restarted'), check_mode=True, diff=True)

    assert running['changed'] is False
    assert checked['changed'] is True and checked['diff']['after']['status'] == 'FULLMIGRATING'
    assert changing_calls(online) == []


def test_a_refused_restart_fails_with_the_service_reason(run, dcs, online):
    dcs.list_tasks(online_item('FAILED'))
    online.shows(online_detail('FAILED'))
    online.restart(result='failed', error_code='DCS.4957', error_msg='The source is unreachable.')

    result = run(dict(task_name=NAME, state='restarted'))

    assert result.failed and result['changed'] is True
    assert result['msg'] == ('the service refused to restart online migration task %s: DCS.4957 The source is '
                             'unreachable.' % TASK_ID)
    assert result['error_code'] == 'DCS.4957'


def test_restarted_without_such_a_task_fails(run, dcs):
    dcs.list_tasks()

    result = run(dict(task_name=NAME, state='restarted'))

    assert result.failed
    assert result['msg'] == ("no online migration task named '%s' exists (the list call does not show one): "
                             "nothing to restart" % NAME)


def test_absent_stops_a_replicating_task_then_deletes_it(run, dcs, online):
    dcs.list_tasks(online_item())
    dcs.list_tasks()
    online.sync_stop()
    dcs.delete(TASK_ID)

    result = run(dict(task_name=NAME, state='absent'))

    assert result['changed'] is True and result['task_ids'] == [TASK_ID]
    assert changing_calls(online) == [('POST', '/migration-task/%s/sync-stop' % TASK_ID),
                                      ('DELETE', '/migration-tasks/delete')]
    assert 'stats' not in result


def test_absent_deletes_a_finished_task_without_stopping_it(run, dcs, online):
    dcs.list_tasks(online_item('SUCCESS'))
    dcs.list_tasks()
    dcs.delete(TASK_ID)

    result = run(dict(task_name=NAME, state='absent'))

    assert result['changed'] is True
    assert changing_calls(online) == [('DELETE', '/migration-tasks/delete')]


def test_absent_without_the_task_is_unchanged_and_check_mode_removes_nothing(run, dcs, online):
    dcs.list_tasks()
    gone = run(dict(task_name=NAME, state='absent'))
    dcs.list_tasks(online_item())
    checked = run(dict(task_name=NAME, state='absent'), check_mode=True)

    assert gone['changed'] is False and checked['changed'] is True
    assert changing_calls(online) == []


# -- check mode, validation, secrets -------------------------------------------------------------

def test_check_mode_predicts_the_creation_without_creating(run, dcs):
    dcs.list_tasks()
    dcs.instance('RUNNING')

    result = run(present(wait=True), check_mode=True, diff=True)

    assert result['changed'] is True and 'task_id' not in result and 'stats' not in result
    assert result['online_migration_task'] == {}
    assert result['diff']['after']['task_name'] == NAME
    assert result['diff']['after']['source_instance'] == dict(addrs=SOURCE)
    assert not dcs.calls('POST')


@pytest.mark.parametrize('overrides, message', [
    (dict(source_instance=dict(id=INSTANCE_ID, addrs=SOURCE)),
     'source_instance needs exactly one of id (a DCS instance) or addrs (host:port)'),
    (dict(source_instance=dict(password=SOURCE_PASSWORD)),
     'source_instance needs exactly one of id (a DCS instance) or addrs (host:port)'),
    (dict(target_instance=dict(password=PASSWORD)), 'target_instance needs id or name (the DCS instance), addrs'),
    (dict(target_instance=dict(name=' ', password=PASSWORD)), 'target_instance needs id or name'),
    (dict(bandwidth_limit_mb=10241), 'bandwidth_limit_mb must be from 1 to 10240 (MB/s), got 10241'),
    (dict(source_instance=dict(addrs='192.168.1.10')), "source_instance.addrs '192.168.1.10' must be host:port"),
    (dict(source_instance=dict(addrs='10.0.0.1:6379,10.0.0.2:0')), "'10.0.0.1:6379,10.0.0.2:0' must end in a port"),
    (dict(source_instance=dict(addrs='redis host:6379')), "source_instance.addrs 'redis host:6379' must be host:port"),
    (dict(task_name='1bad'), "task_name '1bad' must be 4 to 64 characters"),
    (dict(vpc_id='vpc/0'), "vpc_id 'vpc/0' must be an ID"),
    (dict(migration_method=None), 'state is present but all of the following are missing: migration_method'),
])
def test_bad_input_fails_before_any_call(run, dcs, overrides, message):
    args = present(**overrides)
    result = run(dict((key, value) for key, value in args.items() if value is not None))

    assert result.failed and message in result['msg']
    assert dcs.calls() == []


@pytest.mark.parametrize('verbosity', [0, 4])
def test_secrets_never_appear_in_results_errors_or_diffs(run, dcs, online, verbosity):
    online.new_task(online_detail('RUNNING', configured=False))
    dcs.error('POST', '/migration/%s/task' % TASK_ID, 400, 'DCS.4800',
              'Invalid source_instance.password %s in the request.' % SOURCE_PASSWORD)

    failed = run(present(), verbosity=verbosity, diff=True)

    dcs.list_tasks(online_item())
    online.shows(online_detail())
    online.stats()
    succeeded = run(present(resume_mode='auto'), verbosity=verbosity, diff=True, check_mode=True)

    assert failed.failed and succeeded['changed'] is True
    for result in (failed, succeeded):
        dumped = json.dumps(result) + result.output
        for secret in SECRETS:
            assert secret not in dumped


# -- migration_task_info shows online tasks too ---------------------------------------------------

def test_migration_task_info_shows_online_tasks_without_passwords(run_module, dcs, online):
    dcs.list_tasks(online_item())
    online.shows(online_detail())

    result = run_module(migration_task_info.main, dict(task_id=TASK_ID))

    task, = result['migration_tasks']
    assert task['migration_type'] == 'online_migration' and task['status'] == 'INCRMIGRATING'
    assert task['source_instance']['addrs'] == SOURCE
    assert task['tenant_vpc_id'] == VPC
    assert 'password' not in json.dumps(result)
