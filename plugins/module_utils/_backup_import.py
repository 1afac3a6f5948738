# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup-import task kind: what sets it apart on the shared lifecycle (internal: no compatibility promise).

Its statuses are the migration-task family's defaults (TaskKind). It is created with one call
(CreateMigrationTask), needs a RUNNING target instance, and is compared with a wanted request
option by option, on the fields the show call shows.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import _import_checks as import_checks
from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskKind
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError

# The request's top-level options and its groups of options, as the show call names them.
SCALAR_FIELDS = ('description', 'migration_type', 'migration_method', 'network_type')
GROUPS = ('backup_files', 'target_instance', 'source_instance')


def same_files(wanted, shown):
    """The same files by name, with the same size and time where the API shows them."""
    if not shown:
        return True  # the API did not show the files
    by_name = dict((item.get('file_name'), item) for item in shown)
    if sorted(by_name) != sorted(item['file_name'] for item in wanted):
        return False
    return all(service.same_value(value, by_name[item['file_name']].get(key))
               for item in wanted for key, value in item.items())


def differing_fields(wanted, shown_task):
    """Dotted names of the options whose value differs from the shown task (passwords are not compared)."""
    differences = [key for key in SCALAR_FIELDS
                   if key in wanted and not service.same_value(wanted[key], shown_task.get(key))]
    for group in GROUPS:
        if group not in wanted:
            continue
        shown_group = shown_task.get(group) or {}
        for key, value in sorted(wanted[group].items()):
            if key == 'files':
                if not same_files(value, shown_group.get('files') or []):
                    differences.append('%s.files' % group)
            elif 'password' not in key and not service.same_value(value, shown_group.get(key)):
                differences.append('%s.%s' % (group, key))
    return differences


class BackupImport(TaskKind):
    """Backup files (OBS objects or a DCS backup record) imported into a DCS instance."""

    def __init__(self, skip_checks=(), local_paths=None):
        """skip_checks: names of _import_checks.CHECKS not to run; local_paths: {file_name: path to read}."""
        self.skip_checks = tuple(skip_checks or ())
        self.local_paths = dict(local_paths or {})

    def check_before_create(self, calls, request):
        """The target instance must exist, be RUNNING and fit the import rules (the task would fail later, less clearly)."""
        instance_id = request['target_instance']['id']
        instance = instances.show(calls, instance_id, 'target_instance.id')
        if instance.get('status') != service.INSTANCE_READY:
            raise DcsError("target instance '%s' (%s) is %s, not RUNNING: backups can only be imported into a running "
                           "instance" % (instance.get('name') or instance_id, instance_id, instance.get('status')))
        import_checks.check_target(instance, request, self.local_paths, self.skip_checks)

    def create(self, calls, request, ignore_ids):
        return calls.create(request, ignore_ids=ignore_ids)

    def differences(self, wanted, shown):
        return differing_fields(wanted, shown)
