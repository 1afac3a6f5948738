# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The online-migration task kind: what sets it apart on the shared lifecycle (internal: no compatibility promise).

An online migration copies a live Redis into a DCS instance as a replica would. It is created with one
call (CreateOnlineMigrationTask: name, description, VPC, subnet, security group), which leaves it
RUNNING and waiting for its configuration, and configured with a second one (SetOnlineMigrationTask:
method, resume mode, bandwidth, source and target). A full migration ends SUCCESS; an incremental one
keeps replicating as INCRMIGRATING (also spelt INCRMIGEATING), its steady state, until it is stopped.
A stop is how an incremental migration ends, so TERMINATED is no failure for this kind. A task whose
configure call never happened (an earlier run failed in between) is configured by the next run; its
resume mode can be changed in place (UpdateMigrationTask); nothing else can.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils._comparison import Comparison
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskKind, TaskLifecycle, reporting_change
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import wait_for

# The create call's fields, as the request names them and as the show call shows them.
CREATE_FIELDS = (('description', 'description'), ('vpc_id', 'tenant_vpc_id'), ('subnet_id', 'tenant_subnet_id'),
                 ('security_group_id', 'tenant_security_group_id'))
NETWORK_OPTIONS = ('vpc_id', 'subnet_id', 'security_group_id')
# The configure call's fields.
CONFIGURE_SCALARS = ('migration_method', 'resume_mode', 'bandwidth_limit_mb')
INSTANCE_GROUPS = ('source_instance', 'target_instance')
INSTANCE_KEYS = ('id', 'addrs')  # the password is never shown, so never compared
# How long a new task may take to become configurable (CREATING -> RUNNING) when the module does not wait.
READY_TIMEOUT = 600


def shown_value(value):
    """The API shows an empty string for a field it does not know (yet): not a value to compare with."""
    return None if value == '' else value


def shown_create_field(shown, field):
    """A create field as the show call shows it (an empty description is a description)."""
    return shown.get(field) if field == 'description' else shown_value(shown.get(field))


def create_body(request):
    body = dict((key, request[key]) for key in ('description',) + NETWORK_OPTIONS if key in request)
    body['name'] = request['task_name']
    return body


def configure_body(request):
    """The configure call's body (passwords included: only the API sees it)."""
    body = dict((key, request[key]) for key in CONFIGURE_SCALARS + INSTANCE_GROUPS if key in request)
    if 'bandwidth_limit_mb' in body:
        body['bandwidth_limit_mb'] = str(body['bandwidth_limit_mb'])  # the API takes it as a string
    return body


class OnlineMigration(TaskKind):
    """A live Redis (self-built or DCS) migrated into a DCS instance: full sync, then optionally replication."""

    noun = 'online migration task'
    result_key = 'online_migration_task'
    steady = service.STEADY_REPLICATION
    failed_task_hint = ('restart it with state=restarted (after fixing the cause), or remove it with state=absent '
                        'and run again')

    def __init__(self, ready_timeout=READY_TIMEOUT):
        """ready_timeout: how long a new task may stay CREATING before it can be configured, in seconds."""
        self.ready_timeout = ready_timeout

    def has_failed(self, task, error_message):
        # A stop is the normal end of an incremental migration, not a failure.
        return task.get('status') != service.STOPPED and super(OnlineMigration, self).has_failed(task, error_message)

    def is_unconfigured(self, task):
        """Created, but its configure call never happened: it waits for its configuration (it has no source)."""
        source = task.get('source_instance') or {}
        return (task.get('status') in service.AWAITING_CONFIGURATION
                and not any(shown_value(source.get(key)) for key in INSTANCE_KEYS))

    def is_restartable(self, task):
        return task.get('status') in service.RESTARTABLE

    def is_replicating(self, task):
        """Moving data (full sync or replication): what a delete must stop first."""
        return task.get('status') in ('FULLMIGRATING',) + service.STEADY_REPLICATION

    # -- create and configure --------------------------------------------------------------------

    def check_before_create(self, calls, request):
        missing = [name for name in NETWORK_OPTIONS if not request.get(name)]
        if missing:
            raise DcsError("%s are required to create %s '%s': the service places the migration's helper VM in that "
                           "VPC, subnet and security group" % (', '.join(missing), self.noun, request['task_name']))
        target_id = request['target_instance'].get('id')
        if target_id:
            instance = instances.show(calls, target_id, 'target_instance.id')
            if instance.get('status') != service.INSTANCE_READY:
                raise DcsError("target instance '%s' (%s) is %s, not RUNNING: data can only be migrated into a "
                               "running instance" % (instance.get('name') or target_id, target_id, instance.get('status')))
        source_id = request['source_instance'].get('id')
        if source_id:
            instances.show(calls, source_id, 'source_instance.id')

    def create(self, calls, request, ignore_ids):
        return calls.create_online(create_body(request), ignore_ids=ignore_ids)

    def configure(self, calls, task_id, request, task=None):
        """The second call; False if another run configured the task (alike) first, so that this run did not.

        A new task may still be CREATING (its helper VM is made): wait until it is not."""
        task = wait_for(
            fetch=lambda: calls.show(task_id),
            is_final=lambda current: current.get('status') != 'CREATING',
            timeout=self.ready_timeout,
            what='%s %s to be ready for its configuration' % (self.noun, task_id),
            status_of=lambda current: (current or {}).get('status', 'unknown'),
            current=task if task is not None else calls.show(task_id),
        )

        def configured_meanwhile():
            # An attempt whose answer was lost may have configured the task: never configure it twice.
            current = calls.show(task_id)
            return None if self.is_unconfigured(current) else current

        if not self.is_unconfigured(task):
            # Concurrent runs that found the task unconfigured: the first one configures it; configuring it again
            # would start its migration over.
            self.check_configured_meanwhile(task, request)
            return False
        try:
            calls.configure_online(task_id, configure_body(request), before_retry=configured_meanwhile)
        except DcsApiError as error:
            if not self.is_refused_in_this_state(error):
                raise
            self.check_configured_meanwhile(calls.show(task_id), request, error)
            return False
        return True

    def check_configured_meanwhile(self, task, request, error=None):
        """Another run (one that gave way to this task, see the lifecycle, or one that found it unconfigured too)
        configured the task first (error: this run's configure call that the service refused for that). That is
        fine if it did so as this run would have; else raise."""
        if self.is_unconfigured(task):
            raise error
        differences, _unshown = self.differences(request, task)
        if differences:
            raise DcsError("%s '%s' (%s) was configured meanwhile by another run, differently: %s differ%s"
                           % (self.noun, task.get('task_name'), task.get('task_id'), ', '.join(differences),
                              's' if len(differences) == 1 else ''), **(error.extra if error else {}))

    # -- an existing task ------------------------------------------------------------------------

    def differences(self, wanted, shown):
        comparison = Comparison()
        for option, field in CREATE_FIELDS:
            if option in wanted:
                comparison.check(option, wanted[option], shown_create_field(shown, field))
        if not self.is_unconfigured(shown):  # else its configuration is still to come: configured, not compared
            self.compare_configuration(comparison, wanted, shown)
        return comparison.differing, comparison.unshown

    @staticmethod
    def compare_configuration(comparison, wanted, shown):
        for key in CONFIGURE_SCALARS:
            if key in wanted:
                # An empty bandwidth_limit_mb means "no limit", which differs from a limit.
                shown_field = shown.get(key) if key == 'bandwidth_limit_mb' else shown_value(shown.get(key))
                comparison.check(key, wanted[key], shown_field)
        for group in INSTANCE_GROUPS:
            shown_group = shown.get(group) or {}
            for key in INSTANCE_KEYS:
                if key in wanted.get(group, {}):
                    comparison.check('%s.%s' % (group, key), wanted[group][key], shown_value(shown_group.get(key)))

    def changes_in_place(self, wanted, shown):
        """An unconfigured task gets its whole configuration; a configured one only a new resume_mode."""
        if self.is_unconfigured(shown):
            return configure_body(wanted)
        shown_mode = shown_value(shown.get('resume_mode'))
        if 'resume_mode' in wanted and shown_mode is not None and not service.same_value(wanted['resume_mode'],
                                                                                         shown_mode):
            return {'resume_mode': wanted['resume_mode']}
        return {}  # a resume mode the show call does not show is named in a warning (differences())

    def update(self, calls, task_id, request, changes):
        if 'source_instance' in changes:
            return self.configure(calls, task_id, request)
        calls.update_resume_mode(task_id, changes['resume_mode'])
        return True

    # -- restart and delete ----------------------------------------------------------------------

    def restart(self, calls, task_id):
        """The batch-restart call for one task; a refusal fails, unless the task runs again (a lost answer)."""
        results = calls.restart_online([task_id])
        refused = [item for item in results
                   if item.get('task_id') in (task_id, None) and str(item.get('result')).lower() != 'success']
        if not refused or not self.is_restartable(calls.show(task_id)):
            return
        raise DcsError('the service refused to restart %s %s: %s %s' % (
            self.noun, task_id, refused[0].get('error_code') or '', refused[0].get('error_msg') or 'no reason given'),
            error_code=refused[0].get('error_code'), error_msg=refused[0].get('error_msg'))

    def stop_before_delete(self, calls, tasks):
        """Stop the tasks that move data (synchronous stop) so that the target keeps a consistent copy."""
        stopped = []
        for task in tasks:
            if not self.is_replicating(task):
                continue
            try:
                calls.stop_sync(task['task_id'])
            except DcsApiError as error:
                if not (self.has_finished_already(error) or self.is_missing(error)):
                    raise
                continue
            stopped.append(task['task_id'])
        return stopped


class OnlineMigrationLifecycle(TaskLifecycle):
    """The shared lifecycle plus the state only online migrations have: restarted."""

    def ensure_restarted(self, name, task_id):
        """Restart the task if it failed or was stopped; with wait, until it finished or replicates again."""
        with self.reporting_warnings():
            return self.with_warnings(self._ensure_restarted(name, task_id))

    def _ensure_restarted(self, name, task_id):
        task_id = self.find_one(name, task_id, 'restart')['task_id']
        before = self.calls.show(task_id)
        if not self.kind.is_restartable(before):
            return self.result(False, task_id, before, before=before, after=before)  # running or finished
        if self.check_mode:
            # The restart's first status: a full synchronisation (unless the service can resume at once).
            return self.result(True, task_id, before, before=before, after=dict(before, status='FULLMIGRATING'))
        with reporting_change(True, task_id=task_id):
            self.kind.restart(self.calls, task_id)
            if self.wait:
                task = self.wait_until_settled(before.get('task_name') or name, task_id, None, changed=True)
            else:
                task = self.calls.show(task_id)
        return self.result(True, task_id, task, before=before, after=task)

    def with_stats(self, result):
        """The result plus the task's statistics (progress, offset, keys, rates), when there is a task."""
        task_id = result.get('task_id')
        if task_id and result.get(self.kind.result_key):
            try:
                result['stats'] = self.calls.stats(task_id)
            except DcsApiError as error:
                # The task is what the run is about; statistics a young task may not have yet are not.
                warning = 'no statistics for %s %s: %s' % (self.kind.noun, task_id, error.msg)
                result.setdefault('warnings', []).append(warning)
        return result
