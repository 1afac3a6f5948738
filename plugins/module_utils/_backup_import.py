# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup-import task kind: what sets it apart on the shared lifecycle (internal: no compatibility promise).

Its statuses are the migration-task family's defaults (TaskKind). It is created with one call
(CreateMigrationTask), needs a RUNNING target instance, and is compared with a wanted request
option by option with what the show call shows; an option the show call does not show is named
in a warning, never taken as equal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils import _import_checks as import_checks
from ansible_collections.hwcloud.dcs.plugins.module_utils import _instances as instances
from ansible_collections.hwcloud.dcs.plugins.module_utils import _service as service
from ansible_collections.hwcloud.dcs.plugins.module_utils._comparison import Comparison
from ansible_collections.hwcloud.dcs.plugins.module_utils._lifecycle import TaskKind
from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import DcsError

# The request's top-level options and its groups of options, as the show call names them.
SCALAR_FIELDS = ('description', 'migration_type', 'migration_method', 'network_type')
GROUPS = ('backup_files', 'target_instance', 'source_instance')


def shown_backup_id(shown_backup_files):
    """The backup record's ID in the show call's backup_files: flat (the SDK model) or nested in backup_record
    (where the Terraform provider reads it)."""
    record = shown_backup_files.get('backup_record')
    nested = record.get('backup_id') if isinstance(record, dict) else None
    flat = shown_backup_files.get('backup_id')
    return flat if flat is not None else nested


class BackupImportComparison(Comparison):
    """A backup-import request compared with a shown task: its files and its groups of options too."""

    def check_files(self, wanted, shown):
        """The same files by name, each with the same size and time."""
        if not shown:
            self.unshown.append('backup_files.files')
            return
        by_name = dict((item.get('file_name'), item) for item in shown)
        if sorted(by_name) != sorted(item['file_name'] for item in wanted):
            self.differing.append('backup_files.files')
            return
        for index, item in enumerate(wanted):
            for key, value in sorted(item.items()):
                if key != 'file_name':
                    self.check('backup_files.files[%d].%s' % (index, key), value, by_name[item['file_name']].get(key))

    def check_group(self, group, wanted, shown):
        for key, value in sorted(wanted.items()):
            name = '%s.%s' % (group, key)
            if 'password' in key:
                continue  # never compared: the show call may not echo it, and a result never holds it
            if key == 'files':
                self.check_files(value, shown.get('files'))
            elif group == 'backup_files' and key == 'backup_id':
                self.check(name, value, shown_backup_id(shown))
            else:
                self.check(name, value, shown.get(key))


def compare(wanted, shown_task):
    """The Comparison of a request with the task the show call shows (passwords are not compared)."""
    comparison = BackupImportComparison()
    for key in SCALAR_FIELDS:
        if key in wanted:
            comparison.check(key, wanted[key], shown_task.get(key))
    for group in GROUPS:
        if group in wanted:
            comparison.check_group(group, wanted[group], shown_task.get(group) or {})
    return comparison


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
                           "instance; wait until it is RUNNING (start it if it is stopped) and run again"
                           % (instance.get('name') or instance_id, instance_id, instance.get('status')))
        import_checks.check_target(instance, request, self.local_paths, self.skip_checks)

    def create(self, calls, request, ignore_ids):
        return calls.create(request, ignore_ids=ignore_ids)

    def differences(self, wanted, shown):
        comparison = compare(wanted, shown)
        return comparison.differing, comparison.unshown
