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
    options; it never creates a second task with the same name. Only the options you set are compared, and only
    with the fields the API shows; passwords are never shown, so they are not compared.
  - Removes tasks by name or ID with O(state=absent).
  - Stops a running task by name or ID with O(state=stopped).
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  state:
    description:
      - V(present) creates the task unless a task with this O(task_name) exists.
      - V(absent) deletes every task named O(task_name) (and with ID O(task_id), when given).
      - V(stopped) stops the task named O(task_name) (or with ID O(task_id); with both, the task must have both)
        if it is still running, and with O(wait=true) waits until it is C(TERMINATED).
        A task that is already stopped or finished is left as it is (C(changed=false)); a task that is
        C(TERMINATING) is waited for. The module fails if no such task exists, or if several tasks have that
        name and O(task_id) is not given.
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
            (in the target instance's region).
          - V(backup_record) imports the DCS backup O(backup_files.backup_id).
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
              - File size in bytes, as the service expects it (a string of digits).
            type: str
          update_at:
            description:
              - Time the file was last modified, C(YYYY-MM-DD HH:MM:SS).
            type: str
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
        description: Redis database number (quote it, for example V("0")).
        type: str
  target_instance:
    description:
      - The DCS instance to import into. Required with O(state=present), with O(target_instance.id).
      - The instance must exist and be C(RUNNING); the module checks before creating the task.
    type: dict
    suboptions:
      id:
        description: ID of the target DCS instance. Required with O(state=present).
        type: str
      name:
        description: Name of the target instance.
        type: str
      password:
        description:
          - Password of the target Redis, if it has one. Never logged or returned.
          - The API never returns passwords, so they cannot be compared; a different password alone
            is not a difference for idempotency.
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
        description: Redis database number (quote it, for example V("0")).
        type: str
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
  - With O(wait=true) the module polls until the task is C(SUCCESS); C(FAILED), C(MIGRATION_FAILED) and
    C(TERMINATED) make it fail with the task's error message and its last log lines.
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
        - file_name: sessions-fixed.rdb
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
  description: Whether a task was created or removed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
task_id:
  description:
    - ID of the task. With O(state=present), of the created or existing task (not in check mode when the task
      would be created). With O(state=absent), of the removed task when exactly one was removed.
      With O(state=stopped), of the task.
  returned: when a task exists or was removed
  type: str
  sample: 8aa6999e71cb638b0171f485f5266ef0
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
      description: The backup files of the task.
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

import datetime
import re
from contextlib import contextmanager

from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import (
    FAILED,
    FINAL,
    RUNNING,
    STOPPING,
    SUCCEEDED,
    MigrationTasks,
    scrub,
)
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule
from ansible_collections.hwcloud.dcs.plugins.module_utils.waiters import wait_for

BACKUP_SUFFIXES = ('.rdb', '.aof', '.zip', '.tar.gz')
UPDATE_AT_FORMAT = '%Y-%m-%d %H:%M:%S'
TIMESTAMP = re.compile(r'^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}')
# The service's rules, checked before any call so that a bad value never reaches the API (ASCII only:
# str.isdigit() and \d also accept other scripts' digits).
TASK_NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_-]{3,63}$')
RESOURCE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
BUCKET_NAME = re.compile(r'^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$')
ASCII_DIGITS = re.compile(r'^[0-9]+$')
UPDATE_AT = re.compile(r'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$')
MAX_DESCRIPTION = 1024
MAX_OBJECT_NAME = 1024


def shown(value, limit=64):
    """A user's value inside a message: quoted, control characters escaped, long ones cut."""
    text = ''.join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return "'%s'" % (text if len(text) <= limit else text[:limit] + '...(%d characters)' % len(text))


def object_name_problem(name):
    """Why an OBS object name is unsafe to send, or None. Folders ('a/b.rdb') are fine; escapes are not."""
    if len(name.encode('utf-8')) > MAX_OBJECT_NAME:
        return 'must be at most %d bytes' % MAX_OBJECT_NAME
    if not all(c.isprintable() for c in name):
        return 'must not contain control characters'
    if name.startswith('/') or '\\' in name:
        return 'must be a path inside the bucket (no leading / and no backslash)'
    if any(part in ('', '.', '..') for part in name.split('/')):
        return "must not contain empty, '.' or '..' path segments"
    return None


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
    )


def compact(value):
    """Drop None values at any depth: options the user did not set are not sent nor compared."""
    if isinstance(value, dict):
        return dict((k, compact(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value


def normalized(value):
    """The API sends ports and sizes as strings and timestamps in several formats."""
    if isinstance(value, bool):
        return value
    text = str(value)
    if TIMESTAMP.match(text):
        return text.replace('T', ' ')[:19]
    return text


def same(wanted, actual):
    """Compare an option to what the API shows; a field the API does not show (null) cannot differ."""
    return actual is None or normalized(wanted) == normalized(actual)


def differing_fields(wanted, existing):
    """Dotted names of the options whose value differs from the existing task (passwords are not compared)."""
    differences = []
    for key in ('description', 'migration_type', 'migration_method', 'network_type'):
        if key in wanted and not same(wanted[key], existing.get(key)):
            differences.append(key)
    for group in ('backup_files', 'target_instance', 'source_instance'):
        if group not in wanted:
            continue
        shown = existing.get(group) or {}
        for key, value in sorted(wanted[group].items()):
            if key == 'files':
                if not same_files(value, shown.get('files') or []):
                    differences.append('%s.files' % group)
            elif 'password' not in key and not same(value, shown.get(key)):
                differences.append('%s.%s' % (group, key))
    return differences


def same_files(wanted, shown):
    if not shown:
        return True  # the API did not show the files
    by_name = dict((item.get('file_name'), item) for item in shown)
    if sorted(by_name) != sorted(item['file_name'] for item in wanted):
        return False
    return all(same(value, by_name[item['file_name']].get(key))
               for item in wanted for key, value in item.items())


@contextmanager
def no_change():
    yield


@contextmanager
def already_changed(**extra):
    """A failure after the task was created or deleted still reports the change (and which task)."""
    try:
        yield
    except DcsError as error:
        error.extra.setdefault('changed', True)
        for key, value in extra.items():
            error.extra.setdefault(key, value)
        raise


class MigrationTaskModule(DcsModule):
    wait = True
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
            )),
            backup_id=dict(type='str'),
        )),
        network_type=dict(type='str'),
        source_instance=dict(type='dict', options=instance_options()),
        target_instance=dict(type='dict', options=instance_options()),
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
        if not (params['target_instance'] or {}).get('id'):
            raise DcsError('target_instance.id is required with state=present')
        backup = params['backup_files']
        if not backup:
            raise DcsError('backup_files is required with migration_type=backupfile_import')
        if backup['file_source'] == 'self_build_obs':
            if not backup['bucket_name']:
                raise DcsError('backup_files.bucket_name is required with backup_files.file_source=self_build_obs')
            if not backup['files']:
                raise DcsError('backup_files.files needs at least one file with backup_files.file_source=self_build_obs')
        elif not backup['backup_id']:
            raise DcsError('backup_files.backup_id is required with backup_files.file_source=backup_record')
        for index, item in enumerate(backup['files'] or []):
            self.validate_file(index, item)
        self.validate_values()

    @staticmethod
    def validate_file(index, item):
        where = 'backup_files.files[%d]' % index
        if not item['file_name'].lower().endswith(BACKUP_SUFFIXES):
            raise DcsError("%s.file_name '%s' must end in .rdb, .aof, .zip or .tar.gz" % (where, item['file_name']))
        if item['update_at'] is not None:
            try:
                datetime.datetime.strptime(item['update_at'], UPDATE_AT_FORMAT)
            except ValueError:
                raise DcsError("%s.update_at '%s' must be YYYY-MM-DD HH:MM:SS" % (where, item['update_at']))
            if not UPDATE_AT.match(item['update_at']):
                raise DcsError("%s.update_at %s must be YYYY-MM-DD HH:MM:SS in ASCII digits" % (where, shown(item['update_at'])))
        problem = object_name_problem(item['file_name'])
        if problem:
            raise DcsError('%s.file_name %s %s' % (where, shown(item['file_name']), problem))
        if item['size'] is not None and not ASCII_DIGITS.match(item['size']):
            raise DcsError('%s.size %s must be a number of bytes (digits only)' % (where, shown(item['size'])))

    def validate_values(self):
        """The service's rules for names, IDs and numbers (the API would answer DCS.4800 after the fact)."""
        params = self.params
        if not TASK_NAME.match(params['task_name']):
            raise DcsError('task_name %s must be 4 to 64 characters: a letter, then letters, digits, - or _'
                           % shown(params['task_name']))
        if params['description'] is not None and len(params['description']) > MAX_DESCRIPTION:
            raise DcsError('description must be at most %d characters, got %d' % (MAX_DESCRIPTION, len(params['description'])))
        backup = params['backup_files']
        if backup['bucket_name'] is not None and not BUCKET_NAME.match(backup['bucket_name']):
            raise DcsError('backup_files.bucket_name %s is not an OBS bucket name: 3 to 63 lower-case letters, digits, '
                           '. or -, starting and ending with a letter or digit' % shown(backup['bucket_name']))
        if backup['backup_id'] is not None and not RESOURCE_ID.match(backup['backup_id']):
            raise DcsError('backup_files.backup_id %s must be an ID: up to 64 letters, digits, - or _'
                           % shown(backup['backup_id']))
        for group in ('target_instance', 'source_instance'):
            self.validate_instance(group, params[group] or {})

    @staticmethod
    def validate_instance(group, instance):
        if instance.get('id') is not None and not RESOURCE_ID.match(instance['id']):
            raise DcsError('%s.id %s must be an instance ID: up to 64 letters, digits, - or _' % (group, shown(instance['id'])))
        if instance.get('port') is not None and not 0 < instance['port'] < 65536:
            raise DcsError('%s.port must be between 1 and 65535, got %s' % (group, instance['port']))
        if instance.get('db') is not None and not ASCII_DIGITS.match(instance['db']):
            raise DcsError('%s.db %s must be a database number (digits only)' % (group, shown(instance['db'])))

    # -- the request -----------------------------------------------------------------------------

    def request_body(self):
        """The create request body, from the options the user set (ports and db as the API wants: strings)."""
        params = self.params
        body = compact(dict((key, params[key]) for key in (
            'task_name', 'description', 'migration_type', 'migration_method', 'backup_files', 'network_type',
            'source_instance', 'target_instance')))
        for group in ('source_instance', 'target_instance'):
            if body.get(group, {}).get('port') is not None:
                body[group]['port'] = str(body[group]['port'])
        return body

    # -- run -------------------------------------------------------------------------------------

    def run_module(self):
        self.tasks = MigrationTasks(self.api)
        if self.params['state'] == 'absent':
            return self.ensure_absent()
        if self.params['state'] == 'stopped':
            return self.ensure_stopped()
        return self.ensure_present()

    def ensure_present(self):
        name = self.params['task_name']
        found = self.tasks.find(name=name)
        if len(found) > 1:
            raise DcsError("%d migration tasks are named '%s' (%s): remove the extra ones with state=absent and task_id"
                           % (len(found), name, ', '.join(task['task_id'] for task in found)))
        if not found:
            return self.create()
        listed = found[0]
        if listed.get('status') in FAILED or (listed.get('status') == 'RELEASED' and listed.get('error_message')):
            if self.params['retry_failed']:
                return self.create(replacing=listed)
            raise DcsError("migration task '%s' (%s) already exists and ended %s: %s; set retry_failed=true to delete "
                           "it and create it again" % (name, listed['task_id'], listed['status'],
                                                       listed.get('error_message') or 'no error message'),
                           task_id=listed['task_id'], migration_task=self.tasks.show(listed['task_id']),
                           error_message=listed.get('error_message'))
        return self.keep(listed)

    def keep(self, listed):
        """A task with this name exists: it must be the same request; wait for it if asked."""
        task = self.tasks.show(listed['task_id'])
        differences = differing_fields(self.request_body(), task)
        if differences:
            raise DcsError("migration task '%s' (%s) already exists with a different request: %s differ%s (passwords are "
                           "not compared); choose another task_name, or remove the task first with state=absent"
                           % (task.get('task_name'), listed['task_id'], ', '.join(differences),
                              's' if len(differences) == 1 else ''),
                           task_id=listed['task_id'], migration_task=task)
        if self.params['wait'] and not self.check_mode:
            task = self.wait_until_finished(listed['task_id'], task, changed=False)
        return self.result(False, task['task_id'] or listed['task_id'], task, before=task, after=task)

    def create(self, replacing=None):
        body = self.request_body()
        self.check_target_instance(body['target_instance']['id'])
        before = replacing or {}
        if self.check_mode:
            return self.result(True, None, {}, before=before, after=scrub(body))
        old_ids = [replacing['task_id']] if replacing else []
        if old_ids:
            self.tasks.delete(old_ids)
        created = self.tasks.create(body, ignore_ids=old_ids)
        task_id = created.get('id')
        with already_changed(task_id=task_id):
            if self.params['wait']:
                task = self.wait_until_finished(task_id, None, changed=True)
            else:
                task = self.tasks.show(task_id)
        return self.result(True, task_id, task, before=before, after=task)

    def check_target_instance(self, instance_id):
        try:
            instance = self.tasks.show_instance(instance_id)
        except DcsApiError as error:
            if error.status_code == 404 or error.error_code == 'DCS.3022':
                raise DcsError("target_instance.id '%s' does not exist: %s" % (instance_id, error.msg),
                               **error.extra)
            raise
        if instance.get('status') != 'RUNNING':
            raise DcsError("target instance '%s' (%s) is %s, not RUNNING: backups can only be imported into a running "
                           "instance" % (instance.get('name') or instance_id, instance_id, instance.get('status')))

    # -- waiting ---------------------------------------------------------------------------------

    def wait_until_finished(self, task_id, task, changed):
        name = self.params['task_name']
        task = wait_for(
            fetch=lambda: self.tasks.show(task_id),
            is_final=lambda current: current.get('status') in FINAL,
            timeout=self.params['wait_timeout'],
            what="migration task '%s' (%s) to finish" % (name, task_id),
            status_of=lambda current: (current or {}).get('status', 'unknown'),
            result_of=lambda current: dict(changed=changed, task_id=task_id, migration_task=current or {}),
            current=task,
        )
        status = task.get('status')
        if status in SUCCEEDED:
            return task
        listed = self.tasks.find(name=name, task_id=task_id)
        error_message = listed[0].get('error_message') if listed else None
        if status == 'RELEASED' and not error_message:
            return task
        log_lines = self.tasks.last_log_lines(task_id) if status != 'DELETED' else []
        raise DcsError("migration task '%s' (%s) ended %s: %s%s" % (
            name, task_id, status, error_message or 'no error message',
            ('; last log lines: ' + ' | '.join(log_lines)) if log_lines else ''),
            changed=changed, task_id=task_id, migration_task=task, error_message=error_message, log_lines=log_lines)

    # -- absent ----------------------------------------------------------------------------------

    def ensure_absent(self):
        name, task_id = self.params['task_name'], self.params['task_id']
        found = self.tasks.find(name=name, task_id=task_id)
        ids = [task['task_id'] for task in found]
        single = found[0] if len(found) == 1 else {}
        before = dict((task['task_id'], task) for task in found)
        result = self.result(bool(found), single.get('task_id'), single, before=before, after={})
        result['task_ids'] = ids
        if not found or self.check_mode:
            return result
        self.tasks.delete(ids)
        if self.params['wait']:
            with already_changed(task_ids=ids):
                wait_for(
                    fetch=lambda: [task for task in self.tasks.find(name=name, task_id=task_id) if task['task_id'] in ids],
                    is_final=lambda remaining: not remaining,
                    timeout=self.params['wait_timeout'],
                    what='migration tasks %s to disappear from the list' % ', '.join(ids),
                    status_of=lambda remaining: ', '.join('%s %s' % (t['task_id'], t.get('status')) for t in remaining or []),
                )
        return result

    # -- stopped ---------------------------------------------------------------------------------

    def ensure_stopped(self):
        task_id = self.task_to_stop()['task_id']
        before = self.tasks.show(task_id)
        if before.get('status') in RUNNING:
            if self.check_mode:
                return self.result(True, task_id, before, before=before, after=dict(before, status='TERMINATED'))
            changed, task = self.stop(task_id)
        else:
            changed, task = False, before  # already stopping, stopped or finished
        if self.params['wait'] and not self.check_mode and task.get('status') in RUNNING + STOPPING:
            with already_changed(task_id=task_id) if changed else no_change():
                task = self.wait_until_stopped(task_id, task, changed)
        return self.result(changed, task_id, task, before=before, after=task)

    def task_to_stop(self):
        name, task_id = self.params['task_name'], self.params['task_id']
        found = self.tasks.find(name=name, task_id=task_id)
        which = ' and '.join(part for part in ("named '%s'" % name if name else '',
                                               "with ID '%s'" % task_id if task_id else '') if part)
        if not found:
            raise DcsError('no migration task %s exists (the list call does not show one): nothing to stop' % which)
        if len(found) > 1:
            raise DcsError('%d migration tasks are %s (%s): set task_id to say which one to stop'
                           % (len(found), which, ', '.join(task['task_id'] for task in found)))
        return found[0]

    def stop(self, task_id):
        """(changed, task) after the stop call; a task that finished on its own meanwhile (DCS.4026) is no change."""
        try:
            return True, self.tasks.stop(task_id)
        except DcsApiError as error:
            if error.error_code != 'DCS.4026':
                raise
            task = self.tasks.show(task_id)
            if task.get('status') in RUNNING:
                raise
            return False, task

    def wait_until_stopped(self, task_id, task, changed):
        return wait_for(
            fetch=lambda: self.tasks.show(task_id),
            is_final=lambda current: current.get('status') in FINAL,
            timeout=self.params['wait_timeout'],
            what="migration task %s to stop" % task_id,
            status_of=lambda current: (current or {}).get('status', 'unknown'),
            result_of=lambda current: dict(changed=changed, task_id=task_id, migration_task=current or {}),
            current=task,
        )

    def result(self, changed, task_id, task, before, after):
        result = dict(changed=changed, migration_task=task or {})
        if task_id:
            result['task_id'] = task_id
        if self.diff_mode:
            result['diff'] = dict(before=before, after=after)
        return result


def main():
    MigrationTaskModule().run()


if __name__ == '__main__':
    main()
