#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: backup_info
short_description: List the backup records of a Huawei Cloud DCS instance
version_added: 0.2.0
description:
  - Lists the backup records of one DCS instance (every page of
    C(GET /v2/{project_id}/instances/{instance_id}/backups)), newest first, optionally within a time range
    and of some statuses only.
  - With O(latest=true), returns only the newest record that can be restored (status C(succeed), and
    C(is_support_restore) not C(FALSE)), for example to import it into another instance with
    M(hwcloud.dcs.migration_task) (O(hwcloud.dcs.migration_task#module:backup_files.file_source=backup_record)).
  - Never fails because nothing matches; the result is then an empty list. A missing instance and API errors
    fail the module, with their codes.
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  instance_id:
    description:
      - ID of the instance whose backups to list. O(instance_id) or O(instance_name) is required.
    type: str
  instance_name:
    description:
      - Exact name of the instance whose backups to list, looked up like
        O(hwcloud.dcs.instance_info#module:name); the module fails if no instance or several have this name.
    type: str
  begin_time:
    description:
      - Only backups created at or after this time, C(YYYY-MM-DD HH:MM:SS) (UTC), C(YYYY-MM-DDTHH:MM:SS) with a
        zone such as C(Z) or C(+08:00), or the API's own C(yyyyMMddHHmmss) (UTC).
    type: str
  end_time:
    description:
      - Only backups created at or before this time, in UTC, in the same formats as O(begin_time).
    type: str
  status:
    description:
      - Only records in one of these statuses (the API has no such filter, so the module filters the records).
    type: list
    elements: str
    choices: [waiting, backuping, succeed, failed, expired, deleted]
  latest:
    description:
      - Return only the newest record that can be restored (within O(begin_time) and O(end_time)), or none.
      - O(status) does not apply then.
    type: bool
    default: false
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
  - The records are sorted by RV(backups[].created_at), newest first, whatever order the API gives.
seealso:
  - module: hwcloud.dcs.instance_info
  - module: hwcloud.dcs.migration_task
  - name: Querying backup records of a DCS instance
    description: The DCS API this module calls.
    link: https://support.huaweicloud.com/intl/en-us/api-dcs/ListBackupRecords.html
'''

EXAMPLES = r'''
- name: The newest restorable backup of the production instance
  hwcloud.dcs.backup_info:
    region: ap-southeast-1
    instance_name: dcs-orders-prod
    latest: true
  register: newest

- name: Restore it into the staging instance
  hwcloud.dcs.migration_task:
    region: ap-southeast-1
    task_name: "restore-{{ newest.backups[0].backup_id }}"
    backup_files:
      file_source: backup_record
      backup_id: "{{ newest.backups[0].backup_id }}"
    target_instance:
      name: dcs-orders-staging
  when: newest.backups | length > 0

- name: The failed backups of November
  hwcloud.dcs.backup_info:
    region: ap-southeast-1
    instance_id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
    begin_time: "2024-11-01 00:00:00"
    end_time: "2024-11-30 23:59:59"
    status: [failed]
'''

RETURN = r'''
changed:
  description: Always false; the module only reads.
  returned: always
  type: bool
  sample: false
instance_id:
  description: ID of the instance, as given or found by O(instance_name).
  returned: always
  type: str
  sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
backups:
  description: The backup records, newest first; with O(latest=true) at most one.
  returned: always
  type: list
  elements: dict
  contains:
    backup_id:
      description: ID of the backup record (O(hwcloud.dcs.migration_task#module:backup_files.backup_id)).
      type: str
      sample: 2a8f3e1c-6f2d-4c5f-9b0e-2d7c1b9e4a10
    backup_name:
      description: Name of the backup.
      type: str
      sample: backup_20241106100000
    instance_id:
      description: The instance the backup was taken of.
      type: str
      sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
    status:
      description: C(waiting), C(backuping), C(succeed), C(failed), C(expired) or C(deleted).
      type: str
      sample: succeed
    size:
      description: Size of the backup in bytes.
      type: int
      sample: 10485760
    backup_format:
      description: Format of the backup, C(rdb) or C(aof).
      type: str
      sample: rdb
    backup_type:
      description: C(manual) or C(auto).
      type: str
      sample: manual
    created_at:
      description: When the backup started.
      type: str
      sample: "2024-11-06T10:00:00Z"
    updated_at:
      description: When the backup finished.
      type: str
      sample: "2024-11-06T10:00:09Z"
    progress:
      description: Progress of the backup, in percent.
      type: str
      sample: "100.00"
    is_support_restore:
      description: C(TRUE) or C(FALSE), as the API gives it.
      type: str
      sample: "TRUE"
    restorable:
      description: Whether the backup succeeded and can be restored (C(is_support_restore) not C(FALSE)).
      type: bool
      sample: true
    error_code:
      description: Error code of a failed backup.
      type: str
      sample: ""
    remark:
      description: Remark of the backup.
      type: str
      sample: before the upgrade
status_code:
  description: HTTP status of the failed API call.
  returned: when an API call failed with an HTTP error
  type: int
  sample: 404
error_code:
  description: DCS error code of the failed API call.
  returned: when an API call failed
  type: str
  sample: DCS.3022
error_msg:
  description: Error message of the failed API call.
  returned: when an API call failed
  type: str
  sample: The instance does not exist.
request_id:
  description: Request ID of the failed API call, for the vendor's support.
  returned: when an API call failed with an HTTP error
  type: str
  sample: 3c8e6f0b7a2d4f51a9e3b1c2d4e5f6a7
'''

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsApiError, DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule


class BackupInfoModule(DcsModule):
    argument_spec = dict(
        instance_id=dict(type='str'),
        instance_name=dict(type='str'),
        begin_time=dict(type='str'),
        end_time=dict(type='str'),
        status=dict(type='list', elements='str', choices=['waiting', 'backuping', 'succeed', 'failed', 'expired',
                                                          'deleted']),
        latest=dict(type='bool', default=False),
    )
    module_kwargs = dict(
        required_one_of=[('instance_id', 'instance_name')],
        mutually_exclusive=[('instance_id', 'instance_name')],
    )

    def validate(self):
        for option in ('instance_id', 'instance_name'):
            if self.params[option] is not None and not self.params[option].strip():
                raise DcsError('%s must not be empty' % option)
        self.query_times = {}
        for option in ('begin_time', 'end_time'):
            value = self.params[option]
            if value is not None:
                self.query_times[option] = instances.backup_query_time(value)
                if self.query_times[option] is None:
                    raise DcsError('%s %s must be a time: YYYY-MM-DD HH:MM:SS (UTC), YYYY-MM-DDTHH:MM:SS with a '
                                   'zone, or yyyyMMddHHmmss (UTC)'
                                   % (option, service.quoted_for_message(value)))

    def run_module(self):
        calls = MigrationTasks(self.api)
        instance_id = self.params['instance_id']
        if instance_id is None:
            instance_id = instances.id_by_name(calls, self.params['instance_name'], 'instance_name')
        try:
            records = calls.list_backup_records(instance_id, **self.query_times)
        except DcsApiError as error:
            if service.is_instance_missing(error):
                raise DcsError("instance_id '%s' does not exist: %s" % (instance_id, error.msg), **error.extra)
            raise
        if self.params['latest']:
            latest = instances.latest_restorable(records)
            records = [latest] if latest else []
        elif self.params['status']:
            records = [record for record in records if record.get('status') in self.params['status']]
        return dict(changed=False, instance_id=instance_id,
                    backups=[instances.backup_summary(record) for record in instances.newest_first(records)])


def main():
    BackupInfoModule().run()


if __name__ == '__main__':
    main()
