# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official SDK against an emulator: a client, create requests, waiting for a final status, operation routes."""

from __future__ import annotations

import time

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdcs.v2 import (BackupFilesBody, CreateMigrationTaskBody, CreateMigrationTaskRequest, DcsClient,
                                  Files, ShowMigrationTaskRequest, TargetInstanceBody)

from dcs_emulator import models

BACKUP_IMPORT = "backupfile_import"
FULL_MIGRATION = "full_amount_migration"
# Where a task still moves, by the emulator's state machine: its kinds' working and stopping statuses.
MOVING_STATUSES = frozenset(status for kind in models.KINDS.values() for status in kind.WORKING + kind.STOPPING)


def sdk_client(url: str, access_key: str, secret_key: str, project_id: str, timeout=None) -> DcsClient:
    """A DcsClient signing with these credentials for ``url`` (no project lookup: the endpoint is explicit).

    ``timeout``: (connect, read) seconds; None keeps the SDK's default.
    """
    config = HttpConfig.get_default_config()
    if timeout is not None:
        config.timeout = timeout
    return DcsClient.new_builder().with_http_config(config) \
        .with_credentials(BasicCredentials(access_key, secret_key, project_id)).with_endpoints([url]).build()


def import_body(task_name: str, instance_id: str, password=None, bucket=None, files=(), backup_id=None,
                method: str = FULL_MIGRATION, description=None) -> CreateMigrationTaskBody:
    """The body of a backup import: from ``bucket``'s ``files`` (self-built OBS), or from a backup record."""
    if backup_id is not None:
        backup_files = BackupFilesBody(file_source="backup_record", backup_id=backup_id)
    else:
        backup_files = BackupFilesBody(file_source="self_build_obs", bucket_name=bucket,
                                       files=[Files(file_name=name) for name in files])
    return CreateMigrationTaskBody(task_name=task_name, description=description, migration_type=BACKUP_IMPORT,
                                   migration_method=method, backup_files=backup_files,
                                   target_instance=TargetInstanceBody(id=instance_id, password=password))


def import_request(task_name: str, instance_id: str, **body) -> CreateMigrationTaskRequest:
    """A CreateMigrationTaskRequest around ``import_body(task_name, instance_id, **body)``."""
    return CreateMigrationTaskRequest(body=import_body(task_name, instance_id, **body))


def is_final(status) -> bool:
    """Whether a task in ``status`` has stopped moving."""
    return status not in MOVING_STATUSES


def wait_final(client: DcsClient, task_id: str, timeout: float = 15.0, interval: float = 0.05):
    """Poll show until the task reaches a final status; the last ShowMigrationTaskResponse (also on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id))
        if is_final(shown.status) or time.monotonic() > deadline:
            return shown
        time.sleep(interval)


def operation_route(operation: str) -> tuple:
    """(HTTP method, path regex) of an API operation by its SDK method name, as the emulator routes it.

    The regex matches the request path; it is what a fault rule's ``path`` needs to hit only this operation.
    """
    # The operation table comes from the routes: imported here, so that the kit alone needs no HTTP stack.
    from dcs_emulator.operations import OPERATIONS  # pylint: disable=import-outside-toplevel

    for method, pattern, name in OPERATIONS:
        if name == operation:
            return method, pattern.pattern
    raise KeyError(operation)
