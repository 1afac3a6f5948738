#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: migration_task_wait
short_description: Wait for several Huawei Cloud DCS migration tasks, showing their progress
version_added: 0.2.0
description:
  - Waits until none of the migration tasks O(task_ids) is running any more, or until O(wait_timeout) is over,
    looking at the task list every O(poll_interval) seconds (one list call, as
    M(hwcloud.dcs.migration_task_info) makes it).
  - "While it waits it prints a progress line for each task still running, at most every 10 seconds, with the
    task's name, ID, status, progress percent, key counts and the seconds elapsed since the wait began, for
    example C(localhost: restore-a (8aa6...): MIGRATING, 42.00% done, 1200 of 3000 keys, 35 s elapsed). The
    lines reach the default callback and AWX job output while the task runs."
  - Runs on the controller (an action plugin); its API calls are made by M(hwcloud.dcs.migration_task_info) on
    the task's host.
  - A timeout is not a failure; RV(timed_out) says whether tasks were still running. A failed look is tried again
    at the next poll; the module fails only when the last look before the timeout failed.
  - The role P(hwcloud.dcs.backup_import#role) waits for its imports with this module.
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  task_ids:
    description:
      - IDs of the migration tasks to wait for. IDs not in the list (never created, deleted) count as finished.
    type: list
    elements: str
    required: true
  wait_timeout:
    description:
      - Seconds to wait at most, for all tasks together. Must be 1 or more.
    type: int
    default: 1800
  poll_interval:
    description:
      - Seconds between two looks at the task list. Must be 1 or more.
    type: int
    default: 10
extends_documentation_fragment:
  - hwcloud.dcs.connection
attributes:
  check_mode:
    description: The module only reads. In check mode it looks once and does not wait.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: none
  action:
    description: Runs on the controller, so that it can print while it waits.
    support: full
seealso:
  - module: hwcloud.dcs.migration_task
  - module: hwcloud.dcs.migration_task_info
'''

EXAMPLES = r'''
# The tasks were created with hwcloud.dcs.migration_task and wait=false (their IDs are its task_id).
- name: Wait for the imports, showing their progress
  hwcloud.dcs.migration_task_wait:
    region: ap-southeast-1
    task_ids:
      - 8aa6999e71cb638b0171f485f5266ef0
    wait_timeout: 3600
  register: waited
'''

RETURN = r'''
migration_tasks:
  description:
    - The tasks of O(task_ids) as the last list call showed them (the entries of M(hwcloud.dcs.migration_task_info)
      without O(hwcloud.dcs.migration_task_info#module:task_id)).
  returned: success
  type: list
  elements: dict
  sample: [{"task_id": "8aa6999e71cb638b0171f485f5266ef0", "task_name": "sessions", "status": "SUCCESS"}]
running:
  description: IDs of the tasks still running when the wait ended (empty unless RV(timed_out)).
  returned: success
  type: list
  elements: str
  sample: []
timed_out:
  description: Whether tasks were still running when O(wait_timeout) was over.
  returned: success
  type: bool
  sample: false
elapsed_seconds:
  description: How long the wait took, in seconds.
  returned: success
  type: int
  sample: 42
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hwcloud.dcs.plugins.module_utils.options import DEFAULT_WAIT_TIMEOUT, connection_argument_spec


# The options besides the connection's; the action plugin checks them with these too.
WAIT_OPTIONS = dict(
    task_ids=dict(type='list', elements='str', required=True),
    wait_timeout=dict(type='int', default=DEFAULT_WAIT_TIMEOUT),
    poll_interval=dict(type='int', default=10),
)


def main():
    module = AnsibleModule(argument_spec=dict(connection_argument_spec(), **WAIT_OPTIONS), supports_check_mode=True)
    # Only reached when the action plugin is bypassed: the wait must run on the controller to print.
    module.fail_json(msg='hwcloud.dcs.migration_task_wait runs through its action plugin on the controller')


if __name__ == '__main__':
    main()
