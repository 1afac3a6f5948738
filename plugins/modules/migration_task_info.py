#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: migration_task_info
short_description: List or show Huawei Cloud DCS migration tasks (backup imports and online migrations)
version_added: 0.1.0
description:
  - Lists the migration tasks of the project (every page of C(GET /v2/{project_id}/migration-tasks)),
    optionally only those named exactly O(task_name), or shows one task by O(task_id).
  - The list holds both kinds of migration task, backup imports (M(hwcloud.dcs.migration_task),
    RV(migration_tasks[].migration_type=backupfile_import)) and online migrations
    (M(hwcloud.dcs.online_migration_task), RV(migration_tasks[].migration_type=online_migration)), so this module
    shows both; filter on RV(migration_tasks[].migration_type) to keep one kind.
  - Optionally adds each task's statistics (O(include_stats)) and its last log entries (O(include_logs)).
  - Never fails because nothing matches; the result is then an empty list. API errors still fail the module,
    with their codes.
  - The list is the source of truth for whether a task exists. After a delete the service may still answer the
    show call (with C(200) and status C(DELETED) or C(SUCCESS), or with C(400 DCS.4133)); such a task is not in
    the list, so the module does not return it.
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  task_name:
    description:
      - Only tasks with exactly this name (the API's own name filter may match more; the module keeps exact
        matches only).
    type: str
    aliases: [name]
  task_id:
    description:
      - Only the task with this ID, shown in detail (the list entry merged with the show call's answer).
      - With O(task_name) as well, the task must also have that name.
      - A task the list does not show (for example one just deleted) is not returned, whatever the show call
        answers.
    type: str
  include_stats:
    description:
      - Add each task's statistics (C(GET .../migration-task/{task_id}/stats)) as RV(migration_tasks[].stats).
      - One API call per returned task.
    type: bool
    default: false
  include_logs:
    description:
      - Add each task's last O(log_limit) log entries as RV(migration_tasks[].logs), and how many entries the
        task has as RV(migration_tasks[].log_count).
      - At least one API call per returned task.
    type: bool
    default: false
  log_level:
    description:
      - With O(include_logs), only log entries of this level.
    type: str
    choices: [INFO, WARN, ERROR, DEBUG]
  log_limit:
    description:
      - With O(include_logs), how many of the most recent log entries to return per task (oldest first).
    type: int
    default: 50
extends_documentation_fragment:
  - hwcloud.dcs.connection
attributes:
  check_mode:
    description: The module only reads; it runs the same in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
notes:
  - The tasks come in the order the list call gives them.
  - This module has no O(hwcloud.dcs.migration_task#module:wait) and no
    O(hwcloud.dcs.migration_task#module:wait_timeout). Set those in C(module_defaults) for
    M(hwcloud.dcs.migration_task) by name, not for the group C(group/hwcloud.dcs.dcs), or this module fails
    on them as unsupported parameters.
  - A task deleted between the list call and a later call about it (show, stats, logs) is left out.
seealso:
  - module: hwcloud.dcs.migration_task
  - module: hwcloud.dcs.online_migration_task
'''

EXAMPLES = r'''
- name: List every migration task of the project
  hwcloud.dcs.migration_task_info:
    region: ap-southeast-1
  register: all_tasks

- name: Find the task named restore-sessions, with its statistics
  hwcloud.dcs.migration_task_info:
    region: ap-southeast-1
    task_name: restore-sessions
    include_stats: true
  register: named

- name: Show one task with its last ten ERROR log entries
  hwcloud.dcs.migration_task_info:
    region: ap-southeast-1
    task_id: 8aa6999e71cb638b0171f485f5266ef0
    include_logs: true
    log_level: ERROR
    log_limit: 10
  register: one_task

- name: List the online migrations only, with how far each target is behind its source
  hwcloud.dcs.migration_task_info:
    region: ap-southeast-1
    include_stats: true
  register: listed_tasks

- name: Show the online migrations
  ansible.builtin.debug:
    msg: "{{ listed_tasks.migration_tasks | selectattr('migration_type', 'equalto', 'online_migration') }}"

- name: Wait until a task created with wait=false is finished
  hwcloud.dcs.migration_task_info:
    region: ap-southeast-1
    task_id: 8aa6999e71cb638b0171f485f5266ef0
  register: polled
  until: polled.migration_tasks | map(attribute='status') | difference(['MIGRATING', 'TERMINATING']) | length > 0
  retries: 60
  delay: 10
'''

RETURN = r'''
migration_tasks:
  description:
    - The matching tasks, every password removed. Empty when nothing matches.
    - Without O(task_id), the entries of the list call. With O(task_id), that entry merged with the show call's
      answer (the show call's values win where both have one).
  returned: always
  type: list
  elements: dict
  contains:
    task_id:
      description: Task ID.
      type: str
      sample: 8aa6999e71cb638b0171f485f5266ef0
    task_name:
      description: Task name.
      type: str
      sample: restore-sessions
    description:
      description: Task description.
      type: str
      sample: nightly restore
    status:
      description:
        - Task status, for example C(MIGRATING), C(SUCCESS), C(FAILED), C(MIGRATION_FAILED), C(TERMINATING),
          C(TERMINATED), C(RELEASED).
      type: str
      sample: SUCCESS
    migration_type:
      description: Migration mode, C(backupfile_import) or C(online_migration).
      type: str
      sample: backupfile_import
    migration_method:
      description: Full or incremental migration.
      type: str
      sample: full_amount_migration
    error_message:
      description: Why the task failed (list call).
      type: str
      sample: "Object sessions-1.rdb does not exist in bucket redis-backups."
    data_source:
      description: Bucket name or backup record of a backup import, C(ip:port) of an online migration's source.
      type: str
      sample: redis-backups
    ecs_tenant_private_ip:
      description: Private IP of the helper VM that runs the task.
      type: str
      sample: 192.168.0.12
    source_instance_id:
      description: Source instance ID (online migrations).
      type: str
      sample: null
    source_instance_name:
      description: Source instance name (online migrations).
      type: str
      sample: null
    source_instance_status:
      description: Source instance status (online migrations).
      type: str
      sample: null
    source_instance_subnet_id:
      description: Subnet of the source instance (online migrations).
      type: str
      sample: null
    source_instance_spec_code:
      description: Specification code of the source instance (online migrations).
      type: str
      sample: null
    target_instance_id:
      description: ID of the target instance.
      type: str
      sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
    target_instance_name:
      description: Name of the target instance.
      type: str
      sample: dcs-test
    target_instance_addrs:
      description: Address of the target instance.
      type: str
      sample: 192.168.0.20:6379
    target_instance_status:
      description: Status of the target instance.
      type: str
      sample: RUNNING
    target_instance_subnet_id:
      description: Subnet of the target instance.
      type: str
      sample: null
    target_instance_spec_code:
      description: Specification code of the target instance.
      type: str
      sample: null
    created_at:
      description: Creation time.
      type: str
      sample: "2024-11-06T10:00:00.000Z"
    updated_at:
      description: Last update time (show call).
      type: str
      returned: with O(task_id)
      sample: "2024-11-06T10:05:00.000Z"
    released_at:
      description: Time the helper VM was released.
      type: str
      sample: null
    version:
      description: Version of the migration task.
      type: str
      sample: null
    resume_mode:
      description: Resume mode (online migrations).
      type: str
      sample: auto
    supported_features:
      description: Features the task supports.
      type: list
      elements: str
      sample: []
    backup_files:
      description:
        - The backup files of the task (show call), as the service shows them.
        - The backup record's ID is C(backup_id), or C(backup_record.backup_id) where the service nests it.
      type: dict
      returned: with O(task_id)
      sample:
        file_source: self_build_obs
        bucket_name: redis-backups
        backup_id: null
        files:
          - file_name: sessions-1.rdb
            size: "1024"
            update_at: "2024-11-06 10:00:00"
    target_instance:
      description: Target instance, without its password (show call).
      type: dict
      returned: with O(task_id)
      sample:
        id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
        name: dcs-test
        ip: 192.168.0.20
        port: "6379"
        addrs: 192.168.0.20:6379
    source_instance:
      description: Source Redis (online migrations), without its password (show call).
      type: dict
      returned: with O(task_id)
      sample: null
    network_type:
      description: Network type (online migrations; show call).
      type: str
      returned: with O(task_id)
      sample: null
    tenant_vpc_id:
      description: VPC of the helper VM (show call).
      type: str
      returned: with O(task_id)
      sample: null
    tenant_subnet_id:
      description: Subnet of the helper VM (show call).
      type: str
      returned: with O(task_id)
      sample: null
    tenant_security_group_id:
      description: Security group of the helper VM (show call).
      type: str
      returned: with O(task_id)
      sample: null
    bandwidth_limit_mb:
      description: Bandwidth limit (online migrations; show call).
      type: str
      returned: with O(task_id)
      sample: null
    task_status:
      description: Detailed task status, when the service reports one (show call).
      type: str
      returned: with O(task_id)
      sample: null
    stats:
      description: The task's statistics, as the API reports them (numbers as strings).
      type: dict
      returned: with O(include_stats=true)
      contains:
        full_migration_progress:
          description: Progress of the full migration, in percent.
          type: str
          sample: "100.00"
        offset:
          description: Replication offset (online migrations).
          type: str
          sample: "0"
        source_dbsize:
          description: Number of keys in the source (the backup files).
          type: str
          sample: "600"
        target_dbsize:
          description: Number of keys in the target instance.
          type: str
          sample: "600"
        target_input_kbps:
          description: Input rate of the target, in kbit/s.
          type: str
          sample: "0"
        target_ops:
          description: Operations per second on the target.
          type: str
          sample: "0"
        is_migrating:
          description: Whether the task is still migrating.
          type: bool
          sample: false
    log_count:
      description: How many log entries the task has (of O(log_level), when set).
      type: int
      returned: with O(include_logs=true)
      sample: 7
    logs:
      description: The task's last O(log_limit) log entries (of O(log_level), when set), oldest first.
      type: list
      elements: dict
      returned: with O(include_logs=true)
      contains:
        created_at:
          description: Time of the entry.
          type: str
          sample: "2024-11-06T10:05:00.000Z"
        log_level:
          description: C(INFO), C(WARN), C(ERROR) or C(DEBUG).
          type: str
          sample: ERROR
        message:
          description: The log message.
          type: str
          sample: "Object sessions-1.rdb does not exist in bucket redis-backups."
        log_code:
          description: Code of the entry.
          type: str
          sample: ""
        keyword:
          description: Keywords of the entry.
          type: list
          elements: str
          sample: []
endpoint:
  description:
    - The DCS endpoint the module called, from O(endpoint) or its environment variable, or else the SDK's
      endpoint for O(region).
    - Absent when the module failed before it built its client (for example on invalid options).
  returned: when the module built its API client
  type: str
  sample: https://dcs.cn-north-4.myhuaweicloud.com
status_code:
  description: HTTP status of the failed API call.
  returned: when an API call failed with an HTTP error
  type: int
  sample: 403
error_code:
  description: DCS error code of the failed API call.
  returned: when an API call failed
  type: str
  sample: DCS.2003
error_msg:
  description: Error message of the failed API call.
  returned: when an API call failed
  type: str
  sample: The request is rejected.
request_id:
  description: Request ID of the failed API call, for the vendor's support.
  returned: when an API call failed with an HTTP error
  type: str
  sample: 3c8e6f0b7a2d4f51a9e3b1c2d4e5f6a7
'''

from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskGone, TaskKind, TaskLifecycle
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule


class MigrationTaskInfoModule(DcsModule):
    argument_spec = dict(
        task_name=dict(type='str', aliases=['name']),
        task_id=dict(type='str'),
        include_stats=dict(type='bool', default=False),
        include_logs=dict(type='bool', default=False),
        log_level=dict(type='str', choices=['INFO', 'WARN', 'ERROR', 'DEBUG']),
        log_limit=dict(type='int', default=50),
    )

    def validate(self):
        if self.params['log_limit'] < 1:
            raise DcsError('log_limit must be 1 or more, got %s' % self.params['log_limit'])
        for name in ('task_name', 'task_id'):
            if self.params[name] is not None and not self.params[name].strip():
                raise DcsError('%s must not be empty' % name)

    def run_module(self):
        # Any kind of the migration-task family: this module only reads, so the family's statuses and codes do.
        self.lifecycle = TaskLifecycle.for_module(TaskKind(), self)
        result = []
        for listed in self.lifecycle.find(name=self.params['task_name'], task_id=self.params['task_id']):
            try:
                result.append(self.describe(listed))
            except TaskGone:
                continue
        return dict(changed=False, migration_tasks=result)

    def describe(self, listed):
        """The listed task, with its details, statistics and logs as asked; TaskGone if it left meanwhile."""
        ask, task_id = self.lifecycle.ask_about_listed, listed['task_id']
        task = self.lifecycle.detail(listed) if self.params['task_id'] else dict(listed)
        if self.params['include_stats']:
            task['stats'] = ask(self.lifecycle.calls.stats, task_id)
        if self.params['include_logs']:
            task['log_count'], task['logs'] = ask(self.lifecycle.calls.log_tail, task_id, self.params['log_limit'],
                                                  self.params['log_level'])
        return task


def main():
    MigrationTaskInfoModule().run()


if __name__ == '__main__':
    main()
