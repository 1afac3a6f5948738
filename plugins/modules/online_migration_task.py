#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: online_migration_task
short_description: Migrate a live Redis into a Huawei Cloud DCS instance (online migration tasks)
version_added: 0.2.0
description:
  - Creates an online migration task, which copies a live Redis (self-built, or another DCS instance) into a DCS
    instance the way a replica does, through two calls, C(POST /v2/{project_id}/migration/instance) (name, description,
    VPC, subnet, security group) and C(POST /v2/{project_id}/migration/{task_id}/task) (method, resume mode,
    bandwidth, source, target).
  - With O(migration_method=full_amount_migration) the task copies the data once and ends C(SUCCESS). With
    O(migration_method=incremental_migration) it copies the data, then keeps applying the source's writes to the
    target (C(INCRMIGRATING)) until it is stopped with O(state=stopped); that is how clients are switched over with
    almost no downtime.
  - Idempotent by O(task_name). An existing task with the same name and the same options is returned unchanged.
    A different O(resume_mode) is changed in place. Any other difference makes the module fail and name the
    differing options (the API cannot change them on an existing task, O(bandwidth_limit_mb) included). Only the
    options you set are compared. An option the show call does not show is not taken as equal, it is named in a
    warning. Passwords are never shown, so never compared.
  - A task that was created but never configured (an earlier run failed between the two calls) is configured by
    the next run, not created again.
  - Stops (O(state=stopped)), restarts (O(state=restarted)) or stops and removes (O(state=absent)) the task named
    O(task_name).
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  state:
    description:
      - V(present) creates and configures the task unless a task named O(task_name) exists, configures an existing
        task that waits for its configuration, and changes the O(resume_mode) of an existing one.
      - V(stopped) stops the task if it migrates or replicates (C(FULLMIGRATING), C(INCRMIGRATING)); the target
        keeps the data copied so far. With O(wait=true) the module waits until it is C(TERMINATED). A task that is
        already stopped or finished is left as it is.
      - V(restarted) restarts the task if it is C(FAILED) or C(TERMINATED) (the batch-restart call); with
        O(wait=true) the module waits as for V(present). A task that still runs, or that finished C(SUCCESS), is
        left as it is.
      - V(absent) stops the task if it moves data (synchronous stop), then deletes it; with O(wait=true) until the
        list no longer shows it. The target keeps its data.
      - With V(stopped) and V(restarted) the module fails if no task has that name, or several have.
    type: str
    choices: [present, stopped, restarted, absent]
    default: present
  task_name:
    description:
      - Name of the online migration task; the key of idempotency, matched exactly.
      - 4 to 64 characters, a letter first, then letters, digits, C(-) or C(_) (checked before any API call).
    type: str
    required: true
    aliases: [name]
  description:
    description:
      - Description of the task, at most 1024 characters.
    type: str
  vpc_id:
    description:
      - ID of the VPC in which the service runs the migration (its helper VM). The source and the target must be
        reachable from it.
      - The create call requires O(vpc_id), O(subnet_id) and O(security_group_id); the module fails before the call if
        one is missing when the task must be created. An existing task needs none of them.
    type: str
  subnet_id:
    description:
      - ID of the subnet (network ID) of the VPC for the migration. See O(vpc_id).
    type: str
  security_group_id:
    description:
      - ID of the security group of the migration. It must allow the migration to reach the source and the target
        Redis ports. See O(vpc_id).
    type: str
  migration_method:
    description:
      - V(full_amount_migration) copies the data once; writes to the source during the copy are not migrated.
      - V(incremental_migration) copies the data, then replicates the source's writes until the task is stopped.
      - Required with O(state=present).
    type: str
    choices: [full_amount_migration, incremental_migration]
  resume_mode:
    description:
      - What happens when the connection to the source breaks.
      - V(auto) reconnects again and again; when the source can no longer resume from where the task was, a new
        full synchronisation starts, which costs bandwidth (the vendor advises caution).
      - V(manual) makes the task stop with a failure; O(state=restarted) resumes it.
      - The only option that an existing task can change in place.
    type: str
    choices: [auto, manual]
    default: manual
  bandwidth_limit_mb:
    description:
      - Bandwidth limit of the migration, in MB/s, 1 to 10240. Without it, the migration is not limited.
      - Set when the task is configured; the API has no call that changes it afterwards, so a different value for an
        existing task is refused.
    type: int
  source_instance:
    description:
      - The Redis to migrate from, with exactly one of O(source_instance.id) or O(source_instance.addrs). Required
        with O(state=present).
      - The source must allow C(SYNC) and C(PSYNC) (renamed or disabled commands make the migration fail).
    type: dict
    suboptions:
      id:
        description: ID of a DCS instance as the source.
        type: str
      addrs:
        description:
          - Address of a self-built Redis, C(host:port) (several, comma-separated, for a cluster).
        type: str
      password:
        description: Password of the source Redis, if it has one. Never logged or returned, never compared.
        type: str
  target_instance:
    description:
      - The DCS instance to migrate into, with O(target_instance.id) (or O(target_instance.name)),
        O(target_instance.addrs) or both. Required with O(state=present).
      - With O(target_instance.id) or O(target_instance.name) the module checks that the instance exists and is
        C(RUNNING) before it creates the task.
    type: dict
    suboptions:
      id:
        description: ID of the target DCS instance.
        type: str
      name:
        description:
          - Name of the target DCS instance, used without O(target_instance.id).
          - The module looks the instance up by this exact name (list call with C(name_equal)) and uses its ID,
            returned as RV(target_instance_id); it fails if no instance or several instances have this name,
            listing their IDs. The name itself is not sent (the configure call takes no name).
        type: str
      addrs:
        description: Address of the target, C(host:port).
        type: str
      password:
        description: Password of the target instance, if it has one. Never logged or returned, never compared.
        type: str
extends_documentation_fragment:
  - hwcloud.dcs.connection
  - hwcloud.dcs.connection.wait
attributes:
  check_mode:
    description: Predicts the change (still reading tasks and instances) without creating, configuring, changing,
      stopping, restarting or deleting.
    support: full
  diff_mode:
    description: Shows the task before and after (predicted in check mode), passwords removed.
    support: full
notes:
  - With O(wait=true) and O(state=present) or O(state=restarted) the module returns when a full migration is
    C(SUCCESS), or when an incremental migration finished its full synchronisation and replicates (C(INCRMIGRATING),
    also spelt C(INCRMIGEATING)). C(FAILED) makes it fail with the task's error message and last log lines.
  - A task that ended C(FAILED) is not replaced by O(state=present), which fails and says so; restart it with
    O(state=restarted), or remove it with O(state=absent).
  - A stopped task (C(TERMINATED)) is the normal end of an incremental migration; O(state=present) returns it
    unchanged.
  - The result holds the task's statistics (RV(stats)), read after the task.
  - O(wait_timeout) also bounds how long a new task may take to become ready for its configuration (the service
    first prepares the migration's helper VM), with O(wait=false) too.
  - Switching the instances' IP addresses after the migration (the service's exchange-ip and rollback-ip calls) is
    not done by this module.
seealso:
  - module: hwcloud.dcs.migration_task
  - module: hwcloud.dcs.migration_task_info
  - name: Creating an online data migration task
    description: The DCS API this module calls first.
    link: https://support.huaweicloud.com/intl/en-us/api-dcs/CreateOnlineMigrationTask.html
  - name: Migrating self-built Redis online
    description: The vendor's guide, with the prerequisites of an online migration.
    link: https://support.huaweicloud.com/intl/en-us/usermanual-dcs/dcs-migration-190703003.html
'''

EXAMPLES = r'''
- name: Replicate a self-built Redis into a DCS instance until the clients are switched over
  hwcloud.dcs.online_migration_task:
    region: ap-southeast-1
    task_name: sessions-to-dcs
    vpc_id: 5e37b3be-950a-48e1-b498-65b63d336481
    subnet_id: a4112635-3ec0-471c-95c3-5cf49b9533af
    security_group_id: d0a0e05a-1fb6-4c57-a0d2-3a4e2b1e1a6f
    migration_method: incremental_migration
    resume_mode: auto
    source_instance:
      addrs: 192.168.1.10:6379
      password: "{{ source_redis_password }}"
    target_instance:
      id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
      password: "{{ dcs_password }}"
  register: migration

- name: Show how far behind the target is
  ansible.builtin.debug:
    msg: "{{ migration.stats.offset }} bytes behind, {{ migration.stats.target_dbsize }} keys"

- name: After the cut-over, stop the replication (the target keeps its data)
  hwcloud.dcs.online_migration_task:
    region: ap-southeast-1
    task_name: sessions-to-dcs
    state: stopped

- name: Resume a task that failed after a broken connection (resume_mode manual)
  hwcloud.dcs.online_migration_task:
    region: ap-southeast-1
    task_name: sessions-to-dcs
    state: restarted

- name: Copy another DCS instance once, limited to 50 MB/s, without waiting
  hwcloud.dcs.online_migration_task:
    region: ap-southeast-1
    task_name: copy-cache
    vpc_id: 5e37b3be-950a-48e1-b498-65b63d336481
    subnet_id: a4112635-3ec0-471c-95c3-5cf49b9533af
    security_group_id: d0a0e05a-1fb6-4c57-a0d2-3a4e2b1e1a6f
    migration_method: full_amount_migration
    bandwidth_limit_mb: 50
    source_instance:
      id: 3c6a2b7e-0f4d-4f4e-9d55-7c1b2a9e8f10
    target_instance:
      id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
      password: "{{ dcs_password }}"
    wait: false

- name: Stop and remove the task
  hwcloud.dcs.online_migration_task:
    region: ap-southeast-1
    task_name: sessions-to-dcs
    state: absent
'''

RETURN = r'''
changed:
  description: Whether a task was created, configured, changed, stopped, restarted or removed (or would be).
  returned: always
  type: bool
  sample: true
task_id:
  description: ID of the task (not in check mode when the task would be created).
  returned: when a task exists or was removed
  type: str
  sample: 8aa6999e71cb638b0171f485f5266ef0
target_instance_id:
  description:
    - ID of the target instance, as given in O(target_instance.id) or found by O(target_instance.name).
  returned: with O(state=present), when the target is a DCS instance and the module did not fail
  type: str
  sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
task_ids:
  description: IDs of the tasks removed (or that would be removed in check mode).
  returned: with O(state=absent)
  type: list
  elements: str
  sample: [8aa6999e71cb638b0171f485f5266ef0]
online_migration_task:
  description:
    - The task as the API shows it (show call), every password removed.
    - With O(state=absent), the removed task as the list call showed it.
    - Empty in check mode when the task would be created.
  returned: always
  type: dict
  contains:
    task_id:
      description: Task ID.
      type: str
      sample: 8aa6999e71cb638b0171f485f5266ef0
    task_name:
      description: Task name.
      type: str
      sample: sessions-to-dcs
    description:
      description: Task description.
      type: str
      sample: move the sessions cache
    status:
      description:
        - C(CREATING) or C(RUNNING) (waiting for its configuration), C(FULLMIGRATING), C(INCRMIGRATING) (also spelt
          C(INCRMIGEATING)), C(SUCCESS), C(FAILED), C(TERMINATING), C(TERMINATED).
      type: str
      sample: INCRMIGRATING
    migration_type:
      description: Migration mode.
      type: str
      sample: online_migration
    migration_method:
      description: Full or incremental migration.
      type: str
      sample: incremental_migration
    resume_mode:
      description: Reconnection mode.
      type: str
      sample: auto
    bandwidth_limit_mb:
      description: Bandwidth limit in MB/s, empty without one.
      type: str
      sample: "50"
    source_instance:
      description: The source, without its password.
      type: dict
      sample:
        addrs: 192.168.1.10:6379
    target_instance:
      description: The target instance, without its password.
      type: dict
      sample:
        id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
        name: dcs-test
    network_type:
      description: Network type.
      type: str
      sample: VPC
    tenant_vpc_id:
      description: VPC of the migration.
      type: str
      sample: 5e37b3be-950a-48e1-b498-65b63d336481
    tenant_subnet_id:
      description: Subnet of the migration.
      type: str
      sample: a4112635-3ec0-471c-95c3-5cf49b9533af
    tenant_security_group_id:
      description: Security group of the migration.
      type: str
      sample: d0a0e05a-1fb6-4c57-a0d2-3a4e2b1e1a6f
    ecs_tenant_private_ip:
      description: Private IP of the helper VM that runs the migration.
      type: str
      sample: 192.168.0.12
    created_at:
      description: Creation time.
      type: str
      sample: "2024-11-06T10:00:00.000Z"
    updated_at:
      description: Last update time.
      type: str
      sample: "2024-11-06T10:05:00.000Z"
stats:
  description:
    - The task's statistics (C(GET .../migration-task/{task_id}/stats)), as the API reports them (numbers as strings),
      read after the task. Missing, with a warning, when the API has none for the task yet.
  returned: when a task exists, except with O(state=absent)
  type: dict
  contains:
    full_migration_progress:
      description: Progress of the full synchronisation, in percent.
      type: str
      sample: "100"
    offset:
      description: How far the target is behind the source, in bytes of the replication stream (C(0) when caught up).
      type: str
      sample: "0"
    source_dbsize:
      description: Number of keys in the source.
      type: str
      sample: "120000"
    target_dbsize:
      description: Number of keys in the target.
      type: str
      sample: "120000"
    target_input_kbps:
      description: Write traffic into the target, in KB/s.
      type: str
      sample: "12"
    target_ops:
      description: Operations per second applied to the target.
      type: str
      sample: "850"
    is_migrating:
      description: Whether the task is migrating.
      type: bool
      sample: true
error_message:
  description: The task's error message, when the module fails because the task failed.
  returned: on task failure
  type: str
  sample: "The source refused PSYNC"
log_lines:
  description: The task's last log lines (time, level, message), when the module fails because the task failed.
  returned: on task failure
  type: list
  elements: str
  sample: ["2024-11-06T10:05:00Z ERROR The source refused PSYNC"]
status_code:
  description: HTTP status of the failed API call.
  returned: when an API call failed with an HTTP error
  type: int
  sample: 400
error_code:
  description: DCS error code of the failed API call.
  returned: when an API call failed
  type: str
  sample: DCS.4957
error_msg:
  description: Error message of the failed API call.
  returned: when an API call failed
  type: str
  sample: This operation is not allowed in the task's current state.
request_id:
  description: Request ID of the failed API call, for the vendor's support.
  returned: when an API call failed with an HTTP error
  type: str
  sample: 3c8e6f0b7a2d4f51a9e3b1c2d4e5f6a7
'''

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import without_unset
from ansible_collections.hwcloud.dcs.plugins.module_utils._online_migration import (
    OnlineMigration,
    OnlineMigrationLifecycle,
)
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule

quoted = service.quoted_for_message
REQUEST_OPTIONS = ('task_name', 'description', 'vpc_id', 'subnet_id', 'security_group_id', 'migration_method',
                   'resume_mode', 'bandwidth_limit_mb', 'source_instance', 'target_instance')


def instance_options():
    return dict(
        id=dict(type='str'),
        addrs=dict(type='str'),
        password=dict(type='str', no_log=True),
    )


def address_problem(addrs):
    """Why addrs is not 'host:port[,host:port...]', or None."""
    for address in addrs.split(','):
        host, _colon, port = address.strip().rpartition(':')
        if not host or not all(c.isprintable() and not c.isspace() for c in host):
            return 'must be host:port (several separated by commas)'
        if not service.ASCII_DIGITS.match(port) or not 0 < int(port) < 65536:
            return 'must end in a port from 1 to 65535'
    return None


class OnlineMigrationTaskModule(DcsModule):
    with_wait_options = True
    argument_spec = dict(
        state=dict(type='str', choices=['present', 'stopped', 'restarted', 'absent'], default='present'),
        task_name=dict(type='str', required=True, aliases=['name']),
        description=dict(type='str'),
        vpc_id=dict(type='str'),
        subnet_id=dict(type='str'),
        security_group_id=dict(type='str'),
        migration_method=dict(type='str', choices=['full_amount_migration', 'incremental_migration']),
        resume_mode=dict(type='str', choices=['auto', 'manual'], default='manual'),
        bandwidth_limit_mb=dict(type='int'),
        source_instance=dict(type='dict', options=instance_options()),
        target_instance=dict(type='dict', options=dict(instance_options(), name=dict(type='str'))),
    )
    module_kwargs = dict(
        required_if=[('state', 'present', ('migration_method', 'source_instance', 'target_instance'))],
    )

    # -- validation (no API calls) ---------------------------------------------------------------

    def validate(self):
        params = self.params
        if params['wait'] and params['wait_timeout'] <= 0:
            raise DcsError('wait_timeout must be a positive number of seconds, got %s' % params['wait_timeout'])
        if not service.TASK_NAME.match(params['task_name']):
            raise DcsError('task_name %s must be %s' % (quoted(params['task_name']), service.TASK_NAME_RULE))
        if params['state'] == 'present':
            self.validate_present()

    def validate_present(self):
        params = self.params
        if params['description'] is not None and len(params['description']) > service.MAX_DESCRIPTION:
            raise DcsError('description must be at most %d characters, got %d'
                           % (service.MAX_DESCRIPTION, len(params['description'])))
        for name in ('vpc_id', 'subnet_id', 'security_group_id'):
            if params[name] is not None and not service.RESOURCE_ID.match(params[name]):
                raise DcsError('%s %s must be an ID: up to 64 letters, digits, - or _' % (name, quoted(params[name])))
        low, high = service.BANDWIDTH_LIMIT_MB
        if params['bandwidth_limit_mb'] is not None and not low <= params['bandwidth_limit_mb'] <= high:
            raise DcsError('bandwidth_limit_mb must be from %d to %d (MB/s), got %d'
                           % (low, high, params['bandwidth_limit_mb']))
        source, target = params['source_instance'], params['target_instance']
        if bool(source['id']) == bool(source['addrs']):
            raise DcsError('source_instance needs exactly one of id (a DCS instance) or addrs (host:port)')
        if not (target['id'] or (target['name'] or '').strip() or target['addrs']):
            raise DcsError('target_instance needs id or name (the DCS instance), addrs (host:port) or both')
        for group, instance in (('source_instance', source), ('target_instance', target)):
            self.validate_instance(group, instance)

    @staticmethod
    def validate_instance(group, instance):
        if instance['id'] is not None and not service.RESOURCE_ID.match(instance['id']):
            raise DcsError('%s.id %s must be an instance ID: up to 64 letters, digits, - or _'
                           % (group, quoted(instance['id'])))
        problem = instance['addrs'] is not None and address_problem(instance['addrs'])
        if problem:
            raise DcsError('%s.addrs %s %s' % (group, quoted(instance['addrs']), problem))

    # -- the request and the run -----------------------------------------------------------------

    def request_body(self):
        """Both calls' options that the user set (the kind splits them between the create and configure calls)."""
        return without_unset(dict((key, self.params[key]) for key in REQUEST_OPTIONS))

    def ensure_present(self, lifecycle):
        """Resolve a target given by name only (the configure call takes IDs), then create or adopt the task."""
        request = self.request_body()
        target = request['target_instance']
        name = target.pop('name', None)
        if not target.get('id') and (name or '').strip():
            target['id'] = instances.id_by_name(lifecycle.calls, name, 'target_instance.name')
        result = lifecycle.with_stats(lifecycle.ensure_present(request, replace_failed=False))
        if target.get('id'):
            result['target_instance_id'] = target['id']
        return result

    def run_module(self):
        kind = OnlineMigration(ready_timeout=self.params['wait_timeout'])
        lifecycle = OnlineMigrationLifecycle.for_module(kind, self)
        name, state = self.params['task_name'], self.params['state']
        if state == 'absent':
            return lifecycle.ensure_absent(name, None)
        if state == 'stopped':
            return lifecycle.with_stats(lifecycle.ensure_stopped(name, None))
        if state == 'restarted':
            return lifecycle.with_stats(lifecycle.ensure_restarted(name, None))
        return self.ensure_present(lifecycle)


def main():
    OnlineMigrationTaskModule().run()


if __name__ == '__main__':
    main()
