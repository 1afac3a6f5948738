# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Calls of the DCS migration-task family, returning plain snake_case dicts.

Every returned dict has its passwords removed: the SDK marks nothing as
sensitive and the show call can echo the Redis passwords. A single answer
(show, stop, stats, show instance) also keeps the fields its SDK model has
no place for, as the service sent them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.hwcloud.dcs.plugins.module_utils.errors import answer_lost
from ansible_collections.hwcloud.dcs.plugins.module_utils.retries import is_transient

PAGE_SIZE = 100
LOG_LINES = 5


def is_secret_key(key):
    return 'password' in str(key).lower()


def scrub(value):
    """Copy of value without any key that holds a password, at any depth."""
    if isinstance(value, dict):
        return dict((k, scrub(v)) for k, v in value.items() if not is_secret_key(k))
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    return value


def log_line(entry):
    """A log entry as one 'time LEVEL message' line."""
    return ' '.join(str(part) for part in (entry.get('created_at'), entry.get('log_level'), entry.get('message')) if part)


def to_plain(value):
    """SDK model -> dict/list/scalars, keyed by the JSON names (all snake_case for DCS)."""
    types = getattr(value, 'openapi_types', None)
    if types is not None:
        attribute_map = getattr(value, 'attribute_map', {})
        return dict((attribute_map.get(attr, attr), to_plain(getattr(value, attr))) for attr in types)
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return dict((k, to_plain(v)) for k, v in value.items())
    return value


def with_fields_the_model_dropped(plain, answer):
    """plain (the SDK model's fields) plus what the service's JSON answer has that the model has no place for
    (the show call may nest the backup record ID in backup_files.backup_record), at any depth."""
    if isinstance(plain, dict) and isinstance(answer, dict):
        merged = dict((key, with_fields_the_model_dropped(value, answer.get(key))) for key, value in plain.items())
        merged.update((key, value) for key, value in answer.items() if key not in plain)
        return merged
    if isinstance(plain, list) and isinstance(answer, list) and len(plain) == len(answer):
        return [with_fields_the_model_dropped(item, raw) for item, raw in zip(plain, answer)]
    return plain


def json_answer(response):
    """The JSON body the SDK response was read from, or None (not kept by every SDK version, or not JSON)."""
    try:
        return json.loads(response.raw_content)
    except (AttributeError, TypeError, ValueError):
        return None


def plain_without_secrets(response):
    """An SDK response as plain dicts and lists, with what the model dropped, passwords removed at any depth."""
    return scrub(with_fields_the_model_dropped(to_plain(response), json_answer(response)))


def may_send_again(error):
    """A create is sent again after a transient failure, never after one whose answer was lost (it may have been
    carried out: errors.answer_lost())."""
    return is_transient(error) and not answer_lost(error)


def every_page(fetch_page, id_key, page_size=PAGE_SIZE):
    """Every item of a paged list call; fetch_page(offset) -> (announced count, items), items keyed by id_key."""
    items, seen, offset = [], set(), 0
    while True:
        count, page = fetch_page(offset)
        new = [item for item in page if item.get(id_key) not in seen]
        seen.update(item.get(id_key) for item in new)
        items.extend(new)
        offset += len(page)
        # Stop on a short page, at the announced count, or if the service ignored offset.
        if len(page) < page_size or not new or (count is not None and offset >= count):
            return items


class MigrationTasks(object):
    """Thin wrappers over the migration-task calls of one DcsApi (retries included)."""

    def __init__(self, api):
        self.api = api

    def _request(self, model_name, **fields):
        return self.api.model(model_name)(**dict((k, v) for k, v in fields.items() if v is not None))

    def _plain_call(self, action, operation, model_name, **fields):
        """One call (action names it in errors) whose answer comes back as plain dicts without passwords."""
        return plain_without_secrets(self.api.call(action, operation, self._request(model_name, **fields)))

    def list_page(self, offset, limit=PAGE_SIZE, name=None):
        response = self.api.call('list migration tasks', 'list_migration_task',
                                 self._request('ListMigrationTaskRequest', offset=offset, limit=limit, name=name))
        return response.count, [plain_without_secrets(task) for task in response.migration_tasks or []]

    def list_all(self, name=None):
        """Every task (all pages); with name, only those named exactly that (the API filter may be fuzzy)."""
        tasks = every_page(lambda offset: self.list_page(offset, name=name), 'task_id')
        if name is not None:
            tasks = [task for task in tasks if task.get('task_name') == name]
        return tasks

    def find(self, name=None, task_id=None):
        """Tasks matching the name and/or ID exactly (the list is the source of truth for existence)."""
        tasks = self.list_all(name=name)
        if task_id is not None:
            tasks = [task for task in tasks if task.get('task_id') == task_id]
        return tasks

    def show(self, task_id):
        return self._plain_call('show migration task %s' % task_id, 'show_migration_task',
                                'ShowMigrationTaskRequest', task_id=task_id)

    def create(self, body, ignore_ids=()):
        """POST the task. Never re-sent when the answer was lost (a read timeout, a dropped connection):
        the request may still be carried out, so that failure is raised (errors.answer_lost()) and the
        caller looks the name up. After an answer that is an error (429, 5xx) or a connection that was
        never made, it is re-sent, unless the list meanwhile shows a task with that name.

        Returns the create response ({id, name, status}); if an earlier attempt turned
        out to have created the task, the listed task is returned in the same shape.
        ignore_ids: tasks with the same name that are not ours (one just deleted, still listed).
        """
        request = self._request('CreateMigrationTaskRequest', body=self._create_body(body))

        def created_meanwhile():
            return self.created_meanwhile(body['task_name'], ignore_ids)

        response = self.api.call("create migration task '%s'" % body['task_name'], 'create_migration_task',
                                 request, before_retry=created_meanwhile,
                                 retry_if=may_send_again)
        return response if isinstance(response, dict) else plain_without_secrets(response)

    def created_meanwhile(self, name, ignore_ids):
        """The create answer's shape ({id, name, status}) of a task with this name that is not one of ignore_ids,
        or None: asked before a create is sent again."""
        found = [task for task in self.find(name=name) if task.get('task_id') not in ignore_ids]
        if found:
            task = found[0]
            return {'id': task.get('task_id'), 'name': task.get('task_name'), 'status': task.get('status')}
        return None

    def _create_body(self, body):
        fields = dict(body)
        backup = fields.get('backup_files')
        if backup is not None:
            backup = dict(backup)
            if backup.get('files') is not None:
                backup['files'] = [self._request('Files', **item) for item in backup['files']]
            fields['backup_files'] = self._request('BackupFilesBody', **backup)
        for key, model in (('target_instance', 'TargetInstanceBody'), ('source_instance', 'SourceInstanceBody')):
            if fields.get(key) is not None:
                fields[key] = self._request(model, **fields[key])
        return self._request('CreateMigrationTaskBody', **fields)

    def delete(self, task_ids, before_retry=None):
        """DELETE the tasks (before_retry: see Retrier.call); returns the IDs deleted."""
        task_ids = list(task_ids)
        body = self._request('DeleteMigrateTaskRequest', task_id_list=task_ids)
        response = self.api.call('delete migration tasks %s' % ', '.join(task_ids), 'delete_migration_task',
                                 self._request('DeleteMigrationTaskRequest', body=body), before_retry=before_retry)
        return response if isinstance(response, list) else list(response.task_id_list or [])

    def stop(self, task_id):
        return self._plain_call('stop migration task %s' % task_id, 'stop_migration_task',
                                'StopMigrationTaskRequest', task_id=task_id)

    def stats(self, task_id):
        return self._plain_call('show statistics of migration task %s' % task_id, 'show_migration_task_stats',
                                'ShowMigrationTaskStatsRequest', task_id=task_id)

    def logs(self, task_id, offset=0, limit=PAGE_SIZE, log_level=None):
        """One page of logs: (log_num, [log dicts])."""
        response = self.api.call('list logs of migration task %s' % task_id, 'list_migration_task_logs',
                                 self._request('ListMigrationTaskLogsRequest', task_id=task_id, offset=offset,
                                               limit=limit, log_level=log_level))
        return response.log_num, [plain_without_secrets(entry) for entry in response.migration_logs or []]

    def log_tail(self, task_id, count, log_level=None):
        """The last `count` (>= 1) log entries, oldest first, and how many there are: (log_num, [log dicts])."""
        total, entries = self.logs(task_id, log_level=log_level)
        if total and total > len(entries):
            # More than one page: read only the pages that hold the last `count` entries.
            entries, offset = [], max(0, total - count)
            while offset < total:
                _total, page = self.logs(task_id, offset=offset, log_level=log_level)
                if not page:
                    break
                entries.extend(page)
                offset += len(page)
        return (total if total is not None else len(entries)), entries[-count:]

    def last_log_lines(self, task_id, lines=LOG_LINES):
        """The last few log lines as 'time LEVEL message' strings."""
        total, entries = self.logs(task_id)
        if total and total > len(entries):
            _total, entries = self.logs(task_id, offset=max(0, total - PAGE_SIZE))
        return [log_line(entry) for entry in entries[-lines:]]

    # -- online migrations ------------------------------------------------------------------------

    def create_online(self, body, ignore_ids=()):
        """POST an online migration ({name, description, vpc_id, subnet_id, security_group_id}); returns {'id': ...}.

        Like create(): never sent again when its answer was lost, and after another transient failure only if no
        task with that name exists yet.
        """
        request = self._request('CreateOnlineMigrationTaskRequest',
                                body=self._request('CreateOnlineMigrationTaskBody', **body))
        response = self.api.call("create online migration task '%s'" % body['name'], 'create_online_migration_task',
                                 request, before_retry=lambda: self.created_meanwhile(body['name'], ignore_ids),
                                 retry_if=may_send_again)
        return response if isinstance(response, dict) else {'id': response.instance_id}

    def configure_online(self, task_id, body, before_retry=None):
        """POST the configuration of an online migration (SetOnlineMigrationTaskBody; the instances'
        ConfigMigrationInstanceBody); before_retry: see Retrier.call."""
        fields = dict(body)
        for key in ('source_instance', 'target_instance'):
            if fields.get(key) is not None:
                fields[key] = self._request('ConfigMigrationInstanceBody', **fields[key])
        request = self._request('SetOnlineMigrationTaskRequest', task_id=task_id,
                                body=self._request('SetOnlineMigrationTaskBody', **fields))
        response = self.api.call('configure online migration task %s' % task_id, 'set_online_migration_task',
                                 request, before_retry=before_retry)
        return response if isinstance(response, dict) else plain_without_secrets(response)

    def update_resume_mode(self, task_id, resume_mode):
        """PUT the reconnection mode of a migration task (MigrationUpdateRequestEntity)."""
        request = self._request('UpdateMigrationTaskRequest', task_id=task_id,
                                body=self._request('MigrationUpdateRequestEntity', resume_mode=resume_mode))
        self.api.call('change resume_mode of migration task %s' % task_id, 'update_migration_task', request)

    def restart_online(self, task_ids):
        """Restart stopped or failed online migrations: one result per task ({result, task_id, error_code, error_msg})."""
        body = self._request('BatchRestartOnlineMigrationTasksBody', migration_tasks=list(task_ids))
        response = self.api.call('restart migration tasks %s' % ', '.join(task_ids),
                                 'batch_restart_online_migration_tasks',
                                 self._request('BatchRestartOnlineMigrationTasksRequest', body=body))
        return [plain_without_secrets(item) for item in response.migration_tasks or []]

    def stop_sync(self, task_id):
        """Stop a migration task and return once it has stopped (sync-stop; the answer has no body)."""
        self.api.call('stop migration task %s' % task_id, 'stop_migration_task_sync',
                      self._request('StopMigrationTaskSyncRequest', task_id=task_id))

    def show_instance(self, instance_id):
        return self._plain_call('show instance %s' % instance_id, 'show_instance',
                                'ShowInstanceRequest', instance_id=instance_id)

    def list_instances(self, **filters):
        """Every DCS instance the list call shows with these query filters (all pages), passwords removed."""
        def page(offset):
            response = self.api.call('list instances', 'list_instances', self._request(
                'ListInstancesRequest', offset=offset, limit=PAGE_SIZE, **filters))
            return response.instance_num, [plain_without_secrets(item) for item in response.instances or []]
        return every_page(page, 'instance_id')

    def list_backup_records(self, instance_id, begin_time=None, end_time=None):
        """Every backup record of the instance (all pages), as the list call orders them."""
        def page(offset):
            response = self.api.call('list backup records of instance %s' % instance_id, 'list_backup_records',
                                     self._request('ListBackupRecordsRequest', instance_id=instance_id,
                                                   begin_time=begin_time, end_time=end_time, offset=offset,
                                                   limit=PAGE_SIZE))
            return response.total_num, [plain_without_secrets(item) for item in response.backup_record_response or []]
        return every_page(page, 'backup_id')
