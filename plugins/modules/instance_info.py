#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_info
short_description: List or show Huawei Cloud DCS instances
version_added: 0.2.0
description:
  - Lists the DCS instances of the project (every page of C(GET /v2/{project_id}/instances)), optionally only
    those that match every filter given, with the fields an operator needs before importing a backup
    (ID, name, status, engine and version, memory, type, address and SSL).
  - Never fails because nothing matches; the result is then an empty list. API errors still fail the module,
    with their codes.
  - Passwords are never returned.
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  name:
    description:
      - Only the instances named exactly this. The module sends the API's exact-name filter (C(name_equal));
        older API pages describe C(name_equal) as a true/false switch next to a fuzzy C(name) filter, so the
        module sends both and keeps exact matches only.
    type: str
    aliases: [instance_name]
  instance_id:
    description:
      - Only the instance with this ID.
    type: str
  status:
    description:
      - Only instances in this status, for example C(RUNNING), C(CREATING), C(ERROR), C(RESTARTING), C(FROZEN),
        C(EXTENDING), C(RESTORING), C(FLUSHING).
    type: str
  engine:
    description:
      - Only instances of this cache engine (C(Redis) or C(Memcached)), compared case-insensitively.
      - The API has no such filter, so the module filters the listed instances.
    type: str
  engine_version:
    description:
      - Only instances of this engine version, for example V(5.0) (quote it in YAML).
      - The API has no such filter, so the module filters the listed instances.
    type: str
  tags:
    description:
      - Only instances that carry every one of these tags (key and value), through the API's C(tags) filter.
    type: dict
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
  - The instances come in the order the list call gives them.
  - The list call shows no C(cache_mode); RV(instances[].type) then comes from the specification code
    (for example C(redis.ha.xu1.large.r2.2) is a master/standby instance).
seealso:
  - module: hwcloud.dcs.backup_info
  - module: hwcloud.dcs.migration_task
  - name: Querying all DCS instances
    description: The DCS API this module calls.
    link: https://support.huaweicloud.com/intl/en-us/api-dcs/ListInstances.html
'''

EXAMPLES = r'''
- name: Find the instance to import into by its name
  hwcloud.dcs.instance_info:
    region: ap-southeast-1
    name: dcs-orders
  register: found

- name: Refuse to go on unless exactly one running instance has that name
  ansible.builtin.assert:
    that:
      - found.instances | length == 1
      - found.instances[0].status == 'RUNNING'
      - not found.instances[0].enable_ssl

- name: Every running Redis 5.0 instance of the team
  hwcloud.dcs.instance_info:
    region: ap-southeast-1
    status: RUNNING
    engine: Redis
    engine_version: "5.0"
    tags:
      team: payments
'''

RETURN = r'''
changed:
  description: Always false; the module only reads.
  returned: always
  type: bool
  sample: false
instances:
  description: The instances that match every filter given.
  returned: always
  type: list
  elements: dict
  contains:
    instance_id:
      description: Instance ID.
      type: str
      sample: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
    name:
      description: Instance name.
      type: str
      sample: dcs-orders
    status:
      description: Instance status; backups can only be imported into a C(RUNNING) instance.
      type: str
      sample: RUNNING
    engine:
      description: Cache engine.
      type: str
      sample: Redis
    engine_version:
      description: Engine version.
      type: str
      sample: "5.0"
    capacity:
      description: Cache capacity in GB (0 for instances smaller than 1 GB, see RV(instances[].capacity_minor)).
      type: int
      sample: 2
    capacity_minor:
      description: Capacity in GB of a small instance (below 1 GB), as the API gives it.
      type: str
      sample: ""
    max_memory:
      description: Total memory in MB.
      type: int
      sample: 2048
    used_memory:
      description: Used memory in MB.
      type: int
      sample: 12
    type:
      description:
        - The instance type, from the API's C(cache_mode) or else from the specification code.
        - V(single), V(master_standby), V(rw_splitting) (read/write splitting), V(proxy_cluster) or V(cluster)
          (Redis Cluster); null when the API shows neither field.
      type: str
      sample: master_standby
    cache_mode:
      description: The API's name of the type (C(single), C(ha), C(ha_rw_split), C(proxy), C(cluster)).
      type: str
      sample: ha
    spec_code:
      description: Specification code.
      type: str
      sample: redis.ha.xu1.large.r2.2
    ip:
      description: IP address to connect to.
      type: str
      sample: 192.168.0.20
    port:
      description: Port to connect to.
      type: int
      sample: 6379
    domain_name:
      description: Domain name to connect to.
      type: str
      sample: redis-d2c8399f.dcs.example.com
    readonly_domain_name:
      description: Read-only domain name, for instances that have one.
      type: str
      sample: null
    enable_ssl:
      description: Whether SSL is enabled; DCS imports backups only into instances with SSL off.
      type: bool
      sample: false
    no_password_access:
      description: C(true) if the instance can be accessed without a password (a string, as the API gives it).
      type: str
      sample: "false"
    description:
      description: Instance description.
      type: str
      sample: orders cache
    created_at:
      description: Creation time.
      type: str
      sample: "2024-11-06T10:00:00.000Z"
    tags:
      description: The instance's tags (key and value), when the API shows them.
      type: list
      elements: dict
      sample: [{key: team, value: payments}]
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

from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError
from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import MigrationTasks
from ansible_collections.hwcloud.dcs.plugins.module_utils.module import DcsModule

quoted = service.quoted_for_message


class InstanceInfoModule(DcsModule):
    argument_spec = dict(
        name=dict(type='str', aliases=['instance_name']),
        instance_id=dict(type='str'),
        status=dict(type='str'),
        engine=dict(type='str'),
        engine_version=dict(type='str'),
        tags=dict(type='dict'),
    )

    def validate(self):
        for option in ('name', 'instance_id', 'status', 'engine', 'engine_version'):
            if self.params[option] is not None and not self.params[option].strip():
                raise DcsError('%s must not be empty' % option)
        for key, value in (self.params['tags'] or {}).items():
            # The API takes the tags as key=value pairs separated by commas.
            if not str(key).strip() or ',' in str(key) or '=' in str(key) or ',' in str(value):
                raise DcsError('tags: key %s with value %s cannot be sent: a key must not be empty, and neither may '
                               'hold a comma (nor the key an =)' % (quoted(key), quoted(value)))

    def wanted(self, instance):
        """The filters the API does not have."""
        engine, version = self.params['engine'], self.params['engine_version']
        return ((engine is None or str(instance.get('engine') or '').lower() == engine.lower())
                and (version is None or str(instance.get('engine_version')) == version))

    def run_module(self):
        found = instances.find(MigrationTasks(self.api), name=self.params['name'],
                               instance_id=self.params['instance_id'], status=self.params['status'],
                               tags=self.params['tags'])
        return dict(changed=False, instances=[instances.summary(item) for item in found if self.wanted(item)])


def main():
    InstanceInfoModule().run()


if __name__ == '__main__':
    main()
