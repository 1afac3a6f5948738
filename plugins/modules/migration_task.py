#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: migration_task
short_description: Create or remove Huawei Cloud DCS backup import tasks
version_added: 0.1.0
description:
  - Creates a backup import task that loads Redis backup files (from an OBS bucket, or a DCS backup record)
    into a DCS instance, through C(POST /v2/{project_id}/migration-task), and optionally waits for it to finish.
  - Idempotent by O(task_name). An existing task with the same name and the same request is returned unchanged
    (C(changed=false)); if it is still running and O(wait=true), the module waits for it.
    An existing task with the same name but a different request makes the module fail and name the differing
    options. Only the options you set are compared, with the values the show call shows (files by name; sizes as
    given; times in UTC, to the second).
  - An option whose value the show call does not show (wherever the service may put it) is not taken as equal;
    the module warns, naming it. Passwords are never compared, and never returned even when the service
    echoes them.
  - One task per name, also when several runs create the same O(task_name) at once (see the notes).
  - Removes tasks by name or ID with O(state=absent).
  - Stops a running task by name or ID with O(state=stopped).
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  state:
    description:
      - V(present) creates the task unless a task with this O(task_name) exists.
      - V(absent) deletes every task named O(task_name) (and with ID O(task_id), when given).
        With both O(task_name) and O(task_id), they must name the same task; if a task has that ID under
        another name, or that name under other IDs, the module fails naming both (as with O(state=stopped)).
      - V(stopped) stops the task named O(task_name) (or with ID O(task_id); with both, the task must have both)
        if it is still running, and with O(wait=true) waits until it is C(TERMINATED).
        A task that is already stopped or finished is left as it is (C(changed=false)); a task that is
        C(TERMINATING) is waited for. The module fails if no such task exists, if several tasks have that
        name and O(task_id) is not given, or if O(task_name) and O(task_id) name different tasks.
    type: str
    choices: [present, absent, stopped]
    default: present
  task_name:
    description:
      - Name of the backup import task; the key of idempotency, matched exactly.
      - 4 to 64 characters, a letter first, then letters, digits, C(-) or C(_) (the service's rule, checked
        before any API call).
      - Required with O(state=present); with O(state=absent) or O(state=stopped), O(task_name) or O(task_id)
        is required.
    type: str
    aliases: [name]
  task_id:
    description:
      - ID of the task to delete with O(state=absent), or to stop with O(state=stopped).
        Not allowed with O(state=present).
    type: str
  description:
    description:
      - Description of the task, at most 1024 characters.
    type: str
  migration_type:
    description:
      - Migration mode. Only V(backupfile_import) can be created through this API.
      - V(online_migration) is refused, because this API no longer creates online migrations
        (the service's CreateOnlineMigrationTask API does).
    type: str
    choices: [backupfile_import, online_migration]
    default: backupfile_import
  migration_method:
    description:
      - V(full_amount_migration) (full) or V(incremental_migration).
    type: str
    choices: [full_amount_migration, incremental_migration]
    default: full_amount_migration
  backup_files:
    description:
      - The backup files to import. Required with O(state=present).
    type: dict
    suboptions:
      file_source:
        description:
          - V(self_build_obs) imports O(backup_files.files) from the OBS bucket O(backup_files.bucket_name)
            (in the target instance's region); O(backup_files.backup_id) is refused with it.
          - V(backup_record) imports the DCS backup O(backup_files.backup_id); O(backup_files.bucket_name) and
            O(backup_files.files) are refused with it (the backup record holds its files).
        type: str
        choices: [self_build_obs, backup_record]
        default: self_build_obs
      bucket_name:
        description:
          - OBS bucket that holds the files. Required with O(backup_files.file_source=self_build_obs).
          - An OBS bucket name, 3 to 63 lower-case letters, digits, C(.) or C(-), starting and ending with a letter
            or digit.
        type: str
      files:
        description:
          - Files to import, at least one with O(backup_files.file_source=self_build_obs).
          - Each item is a dictionary with O(backup_files.files[].file_name), or a plain file name, short for
            a dictionary with only that file name (as an AWX survey gives them), for example
            V(["dump.rdb", "part2.rdb"]). A string is split on commas, like any list option.
          - Each name must end in C(.rdb), C(.aof), C(.zip) or C(.tar.gz).
          - A name is a path inside the bucket, for example C(folder/dump.rdb), without a leading C(/), a backslash,
            an empty, C(.) or C(..) segment or control characters, and at most 1024 bytes long.
        type: list
        elements: dict
        suboptions:
          file_name:
            description:
              - Object name of the file in the bucket.
            type: str
            required: true
          size:
            description:
              - File size, in either form the service takes, a number of bytes (C(754), the API's field table), or a
                number with a unit C(B), C(KB), C(MB), C(GB) or C(TB) (C(754.0MB) as in the vendor's example,
                C(0.09KB) as the Terraform provider sends it).
              - Sent and compared as the string given (the service echoes it unchanged), so C(754) and C(754.0) differ.
            type: str
          update_at:
            description:
              - Time the file was last modified, C(YYYY-MM-DD HH:MM:SS) (the API's field table), or in UTC as OBS
                shows it, C(YYYY-MM-DDTHH:MM:SS.sssZ) (as the Terraform provider sends it).
              - Sent as given. Compared as a time, to the second, with the time the show call shows in any of the
                service's forms; a time without a zone counts as UTC.
            type: str
          local_path:
            description:
              - Path, on the host that runs the module, of a copy of this file. Never sent to the API and not
                compared for idempotency.
              - Only read for the pre-check C(version) (see O(skip_checks)). The module reads the RDB header
                (C(.rdb) files, and C(.aof) files with an RDB preamble) and refuses a backup written by a newer
                Redis than the target runs. Archives (C(.zip), C(.tar.gz)) are not opened.
              - Without it the module cannot read the file (the object is in OBS), so this check is not made for
                it and the task itself fails if the versions do not fit.
            type: path
            version_added: 0.2.0
      backup_id:
        description:
          - ID of the DCS backup record. Required with O(backup_files.file_source=backup_record).
        type: str
  network_type:
    description:
      - Network type between source and target. Only meaningful for online migrations, which this API no longer
        creates; sent as given.
    type: str
  source_instance:
    description:
      - Source Redis. Only meaningful for online migrations, which this API no longer creates; sent as given.
    type: dict
    suboptions:
      addrs:
        description: Source Redis address.
        type: str
      password:
        description: Source Redis password. Never logged or returned.
        type: str
      id:
        description: Redis instance ID.
        type: str
      ip:
        description: Redis IP address.
        type: str
      port:
        description: Redis port, 1 to 65535.
        type: int
      name:
        description: Redis name.
        type: str
      proxy_multi_db:
        description: Whether multi-DB is enabled for Proxy Cluster instances.
        type: bool
      db:
        description:
          - Redis database number (quote it, for example V("0")).
          - Refused with O(state=present), because a backup import restores each database of the backup into the
            database of the same number, whatever this says.
        type: str
      task_status:
        description: Task status of the source Redis (a field of the API's source instance); sent as given.
        type: str
  target_instance:
    description:
      - The DCS instance to import into. Required with O(state=present), with O(target_instance.id) or
        O(target_instance.name).
      - Before creating the task the module checks, from the show-instance answer, that the instance exists, is
        C(RUNNING) and fits the service's import rules (see O(skip_checks)); each refusal says how to fix it.
    type: dict
    suboptions:
      id:
        description:
          - ID of the target DCS instance. With O(state=present), O(target_instance.id) or O(target_instance.name)
            is required.
        type: str
      name:
        description:
          - Name of the target instance.
          - Without O(target_instance.id), the module looks the instance up by this exact name (list call with
            C(name_equal)) and uses its ID, returned as RV(target_instance_id); it fails if no instance or several
            instances have this name, listing their IDs.
          - Sent to the API and, like the ID, compared with the task the show call shows for idempotency.
        type: str
      password:
        description:
          - Password of the target Redis, if it has one. Never logged or returned.
          - Passwords are not compared (the service may or may not echo them; the module removes them from
            every result), so a different password alone is not a difference for idempotency.
        type: str
      ip:
        description: Redis IP address.
        type: str
      port:
        description: Redis port, 1 to 65535.
        type: int
      addrs:
        description: Redis instance address.
        type: str
      proxy_multi_db:
        description: Whether multi-DB is enabled for Proxy Cluster instances.
        type: bool
      db:
        description:
          - Redis database number (quote it, for example V("0")).
          - Refused with O(state=present), because a backup import restores each database of the backup into the
            database of the same number, whatever this says.
        type: str
      task_status:
        description: Task status of the target Redis (a field of the API's target instance); sent as given.
        type: str
  skip_checks:
    description:
      - Pre-checks not to make before the create, for when the service has relaxed a rule of its user guide.
      - V(ssl) refuses a target with SSL enabled (the service imports only into instances with SSL off).
      - V(aof_into_cluster) refuses C(.aof) files (by suffix) into a Redis Cluster instance.
      - V(version) refuses a backup whose RDB header (read from O(backup_files.files[].local_path)) shows a
        newer Redis than the target's engine version. Files without a O(backup_files.files[].local_path), and
        DCS backup records, cannot be checked.
      - The target must exist and be C(RUNNING) in any case.
    type: list
    elements: str
    choices: [ssl, aof_into_cluster, version]
    default: []
    version_added: 0.2.0
  retry_failed:
    description:
      - What to do when a task named O(task_name) exists and ended C(FAILED), C(MIGRATION_FAILED) or C(TERMINATED).
      - V(false) makes the module fail, showing the task's error message, and create nothing.
      - V(true) deletes that task and creates a new one with the same name from the current options
        (which may differ from the failed task's, for example to fix a file name).
      - Only used with O(state=present).
    type: bool
    default: false
extends_documentation_fragment:
  - hwcloud.dcs.connection
  - hwcloud.dcs.connection.wait
attributes:
  check_mode:
    description: Predicts the change (still reading tasks and the target instance) without creating, deleting or stopping.
    support: full
  diff_mode:
    description: Shows the task that would be created, the tasks that would be removed, or the status change of a stop.
    support: full
notes:
  - "Concurrent runs: after its create call the module lists the name again. When several tasks carry it
    (runs that created it at the same time, for example one play on many hosts with C(delegate_to: localhost)),
    every run keeps the same one: the earliest C(created_at) (the API's time formats are normalised; a task
    without one counts as the latest), then the smallest ID. Where the list shows times to the millisecond a
    run compares at once (a task created later shows a later time). Where it shows whole seconds, or minutes
    for C(yyyyMMddHHmm), tasks created within one such tick show the same time and every run must see all of
    them before the ID decides: a run then compares only after that tick has passed since its create was
    answered, plus a second, and a run that finds a task created less than about 16 minutes ago waits the same
    way before it adopts one. The other runs stop and delete the task they
    created, adopt that one (and wait for it with O(wait=true)), return its O(task_id), report C(changed=false),
    and say in a warning and in RV(duplicate_task_ids) what they removed. A run that waits lists the name once
    more after its wait, for creates that became visible late. A run that starts while several tasks carry the
    name adopts the same one and names the others in a warning."
  - "Limits of that guarantee: the service may have started a removed duplicate before it was stopped (a backup
    import then wrote the same keys with the same values: the data is the same); a run whose own task is not yet
    shown by the list keeps it, so without O(wait=true) two tasks may remain when the list lags behind the
    creates; later runs by that name then adopt the earliest and name the others in a warning, and
    O(state=absent) with O(task_id) removes an extra one."
  - "A create call whose answer never came (a read timeout, a dropped connection) is never sent again, because
    the service may still carry it out: the module looks the name up for a settle window of O(api_timeout)
    seconds and adopts the task if it appears. Otherwise it fails saying that the outcome is unknown; running
    the same task again is then safe (it finds the task by name, or creates it). A create that got an error
    answer (429, 5xx) or whose connection could not be made is sent again within O(retries), after a look-up by
    name."
  - "Waits outlast API outages: while waiting, a status call that fails for a transient reason (connection
    refused or reset, a timeout, HTTP 429 or 5xx) is tried again with backoff until O(wait_timeout) runs out,
    whatever O(retries) says (O(retries) applies to each call). The result then carries a warning that names
    the outage: how long the API did not answer and how many polls failed."
  - With O(wait=true) the module polls until the task is C(SUCCESS); C(FAILED), C(MIGRATION_FAILED) and
    C(TERMINATED) make it fail with the task's error message and its last log lines.
  - With O(state=present) and O(wait=true), the collection's action plugin of the same name does the waiting on the
    controller and prints a progress line about every 10 to 20 seconds (status, progress percentage, keys so far,
    time elapsed) in the normal output; C(async) and C(poll) are not needed. It runs this module without waiting,
    reads the task with M(hwcloud.dcs.migration_task_info) on the same host at the module's pace, and returns the
    result this module returns when it waits by itself.
  - With O(wait=false) it returns right after the create call; the task is then C(MIGRATING).
  - With O(state=absent) and O(wait=true) the module waits until the list no longer shows the tasks.
  - With O(state=stopped) and O(wait=true) the module waits until the task is C(TERMINATED); if the task finished
    on its own before the stop took effect, its final status (for example C(SUCCESS)) is returned and the module
    does not fail.
seealso:
  - name: Creating a backup import task
    description: The DCS API this module calls.
    link: https://support.huaweicloud.com/intl/en-us/api-dcs/CreateMigrationTask.html
'''

EXAMPLES = r'''
- name: Import two RDB files from OBS into a DCS instance and wait for the result
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: restore-sessions
    backup_files:
      file_source: self_build_obs
      bucket_name: redis-backups
      files:
        - file_name: sessions-1.rdb
        - file_name: sessions-2.rdb
    target_instance:
      id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
      password: "{{ redis_password }}"
  register: import_task

- name: Import into an instance known by its name, checking the RDB header of a local copy first
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: restore-orders
    backup_files:
      bucket_name: redis-backups
      files:
        - file_name: orders.rdb
          local_path: /srv/backups/orders.rdb
    target_instance:
      name: dcs-orders
  register: orders_import

- name: Show which instance the name resolved to
  ansible.builtin.debug:
    msg: "imported into {{ orders_import.target_instance_id }}"

- name: Import a DCS backup record without waiting
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: restore-from-record
    backup_files:
      file_source: backup_record
      backup_id: 2a8f3e1c-6f2d-4c5f-9b0e-2d7c1b9e4a10
    target_instance:
      id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
    wait: false

- name: Try again after the previous task with this name failed
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: restore-sessions
    retry_failed: true
    backup_files:
      bucket_name: redis-backups
      files:
        - sessions-fixed.rdb  # a plain file name, short for file_name: sessions-fixed.rdb
    target_instance:
      id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
      password: "{{ redis_password }}"

- name: Stop an import that runs too long, and wait until it is TERMINATED
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: restore-sessions
    state: stopped
    wait_timeout: 300

- name: Against a local emulator, credentials set once for the whole play
  module_defaults:
    group/hwcloud.dcs.dcs:
      endpoint: http://127.0.0.1:8443
      region: cn-north-4
      access_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SDK_AK') }}"
      secret_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SDK_SK') }}"
  block:
    - name: Remove the task by name
      hwcloud.dcs.migration_task:
        task_name: restore-sessions
        state: absent
'''

RETURN = r'''
changed:
  description:
    - Whether a task was created or removed (or would be, in check mode).
    - C(false) for a run that gave way to a concurrent run with the same name (see RV(duplicate_task_ids)).
      Of the runs that create one name at once, only the one whose task is kept reports C(true).
  returned: always
  type: bool
  sample: true
target_instance_id:
  description:
    - ID of the target instance, as given in O(target_instance.id) or found by O(target_instance.name).
  returned: with O(state=present), when the module did not fail
  type: str
  sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
  version_added: 0.2.0
task_id:
  description:
    - ID of the task. With O(state=present), of the created or existing task (not in check mode when the task
      would be created). With O(state=absent), of the removed task when exactly one was removed.
      With O(state=stopped), of the task.
  returned: when a task exists or was removed
  type: str
  sample: 8aa6999e71cb638b0171f485f5266ef0
duplicate_task_ids:
  description:
    - IDs of the tasks this run created at the same time as another run with the same O(task_name), then stopped
      and deleted because the other run's task (RV(task_id)) was created first.
  returned: when this run gave way to a concurrent run
  type: list
  elements: str
  sample: [9bb7aaaf82dc749c1282f596g6377fg1]
task_ids:
  description: IDs of the tasks removed (or that would be removed in check mode).
  returned: with O(state=absent)
  type: list
  elements: str
  sample: [8aa6999e71cb638b0171f485f5266ef0]
migration_task:
  description:
    - The task as the API shows it (show call), with every password removed.
    - With O(state=absent), the removed task as the list call showed it, when exactly one was removed.
    - With O(state=stopped), the task after the stop call (C(TERMINATING)), or after waiting (C(TERMINATED));
      in check mode, as it is now.
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
      sample: restore-sessions
    description:
      description: Task description.
      type: str
      sample: nightly restore
    status:
      description:
        - Task status, for example C(MIGRATING), C(SUCCESS), C(FAILED), C(MIGRATION_FAILED), C(TERMINATED),
          C(RELEASED).
      type: str
      sample: SUCCESS
    migration_type:
      description: Migration mode.
      type: str
      sample: backupfile_import
    migration_method:
      description: Full or incremental migration.
      type: str
      sample: full_amount_migration
    ecs_tenant_private_ip:
      description: Private IP of the helper VM that runs the import.
      type: str
      sample: 192.168.0.12
    backup_files:
      description:
        - The backup files of the task, as the show call shows them.
        - The backup record's ID is C(backup_id), or C(backup_record.backup_id) where the service nests it.
      type: dict
      sample:
        file_source: self_build_obs
        bucket_name: redis-backups
        backup_id: null
        files:
          - file_name: sessions-1.rdb
            size: "1024"
            update_at: "2024-11-06 10:00:00"
    network_type:
      description: Network type (online migrations only).
      type: str
      sample: null
    source_instance:
      description: Source Redis (online migrations only), without its password.
      type: dict
      sample: null
    target_instance:
      description: Target instance, without its password.
      type: dict
      sample:
        id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
        name: dcs-test
        ip: 192.168.0.20
        port: "6379"
        addrs: 192.168.0.20:6379
        proxy_multi_db: false
        db: null
        task_status: null
    created_at:
      description: Creation time.
      type: str
      sample: "2024-11-06T10:00:00.000Z"
    updated_at:
      description: Last update time.
      type: str
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
      sample: null
    supported_features:
      description: Features the task supports.
      type: list
      elements: str
      sample: []
    tenant_vpc_id:
      description: VPC of the helper VM.
      type: str
      sample: null
    tenant_subnet_id:
      description: Subnet of the helper VM.
      type: str
      sample: null
    tenant_security_group_id:
      description: Security group of the helper VM.
      type: str
      sample: null
    bandwidth_limit_mb:
      description: Bandwidth limit (online migrations).
      type: str
      sample: null
    task_status:
      description: Detailed task status, when the service reports one.
      type: str
      sample: null
error_message:
  description: The task's error message, when the module fails because the task ended in a failure status.
  returned: on task failure
  type: str
  sample: "Invalid RDB file: sessions-1.rdb"
log_lines:
  description: The task's last log lines (time, level, message), when the module fails because the task failed.
  returned: on task failure
  type: list
  elements: str
  sample: ["2024-11-06T10:05:00Z ERROR Failed to load sessions-1.rdb"]
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
  sample: 400
error_code:
  description: DCS error code of the failed API call.
  returned: when an API call failed
  type: str
  sample: DCS.4049
error_msg:
  description: Error message of the failed API call.
  returned: when an API call failed
  type: str
  sample: The instance is not running.
request_id:
  description: Request ID of the failed API call, for the vendor's support.
  returned: when an API call failed with an HTTP error
  type: str
  sample: 3c8e6f0b7a2d4f51a9e3b1c2d4e5f6a7
'''

import os

from ansible.module_utils.common.validation import check_type_list

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils._backup_import import BackupImport
from ansible_collections.hwcloud.dcs.plugins.module_utils._import_checks import CHECKS
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskLifecycle, without_unset
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule

quoted = service.quoted_for_message


def instance_options():
    return dict(
        id=dict(type='str'),
        name=dict(type='str'),
        password=dict(type='str', no_log=True),
        ip=dict(type='str'),
        port=dict(type='int'),
        addrs=dict(type='str'),
        proxy_multi_db=dict(type='bool'),
        db=dict(type='str'),
        task_status=dict(type='str'),
    )


class MigrationTaskModule(DcsModule):
    kind = BackupImport()
    with_wait_options = True
    argument_spec = dict(
        state=dict(type='str', choices=['present', 'absent', 'stopped'], default='present'),
        task_name=dict(type='str', aliases=['name']),
        task_id=dict(type='str'),
        description=dict(type='str'),
        migration_type=dict(type='str', choices=['backupfile_import', 'online_migration'],
                            default='backupfile_import'),
        migration_method=dict(type='str', choices=['full_amount_migration', 'incremental_migration'],
                              default='full_amount_migration'),
        backup_files=dict(type='dict', options=dict(
            file_source=dict(type='str', choices=['self_build_obs', 'backup_record'], default='self_build_obs'),
            bucket_name=dict(type='str'),
            files=dict(type='list', elements='dict', options=dict(
                file_name=dict(type='str', required=True),
                size=dict(type='str'),
                update_at=dict(type='str'),
                local_path=dict(type='path'),
            )),
            backup_id=dict(type='str'),
        )),
        network_type=dict(type='str'),
        source_instance=dict(type='dict', options=instance_options()),
        target_instance=dict(type='dict', options=instance_options()),
        skip_checks=dict(type='list', elements='str', choices=list(CHECKS), default=[]),
        retry_failed=dict(type='bool', default=False),
    )
    module_kwargs = dict(
        required_if=[
            ('state', 'present', ('task_name',)),
            ('state', 'absent', ('task_name', 'task_id'), True),
            ('state', 'stopped', ('task_name', 'task_id'), True),
        ],
    )

    # -- validation (no API calls) ---------------------------------------------------------------

    @staticmethod
    def prepare_params(params):
        """backup_files.files may list plain file names (as a survey gives them): each becomes {file_name: ...}."""
        backup = params.get('backup_files')
        files = backup.get('files') if isinstance(backup, dict) else None
        if files is None:
            return None
        if isinstance(files, str):
            files = check_type_list(files)
        if not isinstance(files, list):
            return 'backup_files.files must be a list of file names or of dictionaries with file_name, got %s' % (
                type(files).__name__)
        prepared = []
        for index, item in enumerate(files):
            if isinstance(item, str):
                item = {'file_name': item}
            elif not isinstance(item, dict):
                return 'backup_files.files[%d] must be a file name or a dictionary with file_name, got %s' % (
                    index, type(item).__name__)
            prepared.append(item)
        backup['files'] = prepared
        return None

    def validate(self):
        params = self.params
        if params['wait'] and params['wait_timeout'] <= 0:
            raise DcsError('wait_timeout must be a positive number of seconds, got %s' % params['wait_timeout'])
        if params['state'] == 'present':
            self.validate_present()

    def validate_present(self):
        params = self.params
        if not params['task_name']:
            raise DcsError('task_name is required with state=present')
        if params['task_id']:
            raise DcsError('task_id is only used with state=absent or state=stopped; with state=present tasks are '
                           'found by task_name')
        if params['migration_type'] == 'online_migration':
            raise DcsError('migration_type=online_migration is refused: this API no longer creates online migrations;'
                           ' use the CreateOnlineMigrationTask API instead')
        target = params['target_instance'] or {}
        if not target.get('id') and not (target.get('name') or '').strip():
            raise DcsError('target_instance.id or target_instance.name is required with state=present')
        backup = params['backup_files']
        if not backup:
            raise DcsError('backup_files is required with migration_type=backupfile_import')
        self.validate_source(backup)
        for group in ('target_instance', 'source_instance'):
            if (params[group] or {}).get('db') is not None:
                raise DcsError('%s.db is refused for backup imports: a backup restores each database into the '
                               'database of the same number' % group)
        for index, item in enumerate(backup['files'] or []):
            self.validate_file(index, item)
        self.validate_values()
        self.validate_local_paths()

    def validate_local_paths(self):
        for index, item in enumerate(self.params['backup_files']['files'] or []):
            if item['local_path'] is not None and not os.access(item['local_path'], os.R_OK):
                raise DcsError('backup_files.files[%d].local_path %s is not a file the module can read'
                               % (index, quoted(item['local_path'], limit=512)))

    @staticmethod
    def validate_source(backup):
        """Each file_source takes its own options and refuses the other's (the service would ignore them)."""
        if backup['file_source'] == 'self_build_obs':
            if not backup['bucket_name']:
                raise DcsError('backup_files.bucket_name is required with backup_files.file_source=self_build_obs')
            if not backup['files']:
                raise DcsError('backup_files.files needs at least one file with backup_files.file_source=self_build_obs')
            if backup['backup_id']:
                raise DcsError('backup_files.backup_id is not used with backup_files.file_source=self_build_obs (the '
                               'files come from backup_files.bucket_name): remove it, or set file_source=backup_record')
            return
        if not backup['backup_id']:
            raise DcsError('backup_files.backup_id is required with backup_files.file_source=backup_record')
        unused = ['backup_files.%s' % key for key in ('bucket_name', 'files') if backup[key]]
        if unused:
            raise DcsError('%s %s not used with backup_files.file_source=backup_record (the backup record holds its '
                           'files): remove %s' % (' and '.join(unused), 'is' if len(unused) == 1 else 'are',
                                                  'it' if len(unused) == 1 else 'them'))

    @staticmethod
    def validate_file(index, item):
        where = 'backup_files.files[%d]' % index
        if not item['file_name'].lower().endswith(service.BACKUP_SUFFIXES):
            raise DcsError("%s.file_name '%s' must end in .rdb, .aof, .zip or .tar.gz" % (where, item['file_name']))
        problem = item['update_at'] is not None and service.update_at_problem(item['update_at'])
        if problem:
            raise DcsError('%s.update_at %s' % (where, problem))
        problem = service.object_name_problem(item['file_name'])
        if problem:
            raise DcsError('%s.file_name %s %s' % (where, quoted(item['file_name']), problem))
        if item['size'] is not None and not service.FILE_SIZE.match(item['size']):
            raise DcsError('%s.size %s must be %s' % (where, quoted(item['size']), service.FILE_SIZE_RULE))

    def validate_values(self):
        """The service's rules for names, IDs and numbers (the API would answer DCS.4800 after the fact)."""
        params = self.params
        if not service.TASK_NAME.match(params['task_name']):
            raise DcsError('task_name %s must be %s' % (quoted(params['task_name']), service.TASK_NAME_RULE))
        if params['description'] is not None and len(params['description']) > service.MAX_DESCRIPTION:
            raise DcsError('description must be at most %d characters, got %d'
                           % (service.MAX_DESCRIPTION, len(params['description'])))
        backup = params['backup_files']
        if backup['bucket_name'] is not None and not service.BUCKET_NAME.match(backup['bucket_name']):
            raise DcsError('backup_files.bucket_name %s is not an OBS bucket name: %s'
                           % (quoted(backup['bucket_name']), service.BUCKET_NAME_RULE))
        if backup['backup_id'] is not None and not service.RESOURCE_ID.match(backup['backup_id']):
            raise DcsError('backup_files.backup_id %s must be an ID: up to 64 letters, digits, - or _'
                           % quoted(backup['backup_id']))
        for group in ('target_instance', 'source_instance'):
            self.validate_instance(group, params[group] or {})

    @staticmethod
    def validate_instance(group, instance):
        if instance.get('id') is not None and not service.RESOURCE_ID.match(instance['id']):
            raise DcsError('%s.id %s must be an instance ID: up to 64 letters, digits, - or _'
                           % (group, quoted(instance['id'])))
        if instance.get('port') is not None and not 0 < instance['port'] < 65536:
            raise DcsError('%s.port must be between 1 and 65535, got %s' % (group, instance['port']))
        if instance.get('db') is not None and not service.ASCII_DIGITS.match(instance['db']):
            raise DcsError('%s.db %s must be a database number (digits only)' % (group, quoted(instance['db'])))

    # -- the request and the run -----------------------------------------------------------------

    def request_body(self):
        """The create request body, from the options the user set (ports and db as the API wants: strings)."""
        params = self.params
        body = without_unset(dict((key, params[key]) for key in (
            'task_name', 'description', 'migration_type', 'migration_method', 'backup_files', 'network_type',
            'source_instance', 'target_instance')))
        for group in ('source_instance', 'target_instance'):
            if body.get(group, {}).get('port') is not None:
                body[group]['port'] = str(body[group]['port'])
        for item in body.get('backup_files', {}).get('files', []):
            item.pop('local_path', None)  # read here, never sent
        return body

    def local_paths(self):
        files = (self.params['backup_files'] or {}).get('files') or []
        return dict((item['file_name'], item['local_path']) for item in files if item.get('local_path'))

    def ensure_present(self, lifecycle):
        """Resolve a target given by name only, then create or adopt the task."""
        request = self.request_body()
        target = request['target_instance']
        if not target.get('id'):
            target['id'] = instances.id_by_name(lifecycle.calls, target['name'], 'target_instance.name')
        result = lifecycle.ensure_present(request, replace_failed=self.params['retry_failed'])
        result['target_instance_id'] = target['id']
        return result

    def run_module(self):
        self.kind = BackupImport(skip_checks=self.params['skip_checks'], local_paths=self.local_paths())
        lifecycle = TaskLifecycle.for_module(self.kind, self)
        state = self.params['state']
        if state == 'absent':
            return lifecycle.ensure_absent(self.params['task_name'], self.params['task_id'])
        if state == 'stopped':
            return lifecycle.ensure_stopped(self.params['task_name'], self.params['task_id'])
        return self.ensure_present(lifecycle)


def main():
    MigrationTaskModule().run()


if __name__ == '__main__':
    main()
