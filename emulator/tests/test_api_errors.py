# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and error codes as the SDK sees them (ClientRequestException status/error_code/error_msg)."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (BackupFilesBody, BatchStopMigrationTasksBody, BatchStopMigrationTasksRequest,
                                  CreateMigrationTaskRequest, DeleteMigrateTaskRequest,
                                  DeleteMigrationTaskRequest, Files,
                                  ListFlavorsRequest, ListMigrationTaskLogsRequest, ListMigrationTaskRequest,
                                  ListMigrationTaskResponse, ShowInstanceRequest, ShowMigrationTaskRequest,
                                  ShowMigrationTaskStatsRequest, StopMigrationTaskRequest, TargetInstanceBody)

from dcs_emulator import testing

from conftest import FROZEN_INSTANCE, INSTANCE, OTHER_INSTANCE, PASSWORD, import_request

UNKNOWN_TASK = "f" * 32


def _error(call):
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value.status_code, info.value.error_code, info.value.error_msg


def _body(**overrides):
    """A valid create request with the body fields in ``overrides`` replaced."""
    request = testing.import_request("valid-name", INSTANCE, password=PASSWORD, bucket="demo-bucket", files=["dump.rdb"])
    for field, value in overrides.items():
        setattr(request.body, field, value)
    return request


@pytest.mark.parametrize("overrides,field", [
    ({"task_name": None}, "task_name"),
    ({"task_name": "x"}, "task_name"),
    ({"task_name": "9starts-with-digit"}, "task_name"),
    ({"task_name": "a" * 65}, "task_name"),
    ({"task_name": "has space"}, "task_name"),
    ({"migration_type": None}, "migration_type"),
    ({"migration_type": "online_migration"}, "migration_type"),
    ({"migration_type": "copy"}, "migration_type"),
    ({"migration_method": "fast"}, "migration_method"),
    ({"backup_files": None}, "backup_files"),
    ({"backup_files": BackupFilesBody(files=[Files(file_name="dump.rdb")])}, "backup_files.bucket_name"),
    ({"backup_files": BackupFilesBody(bucket_name="demo-bucket", files=[])}, "backup_files.files"),
    ({"backup_files": BackupFilesBody(bucket_name="demo-bucket", files=[Files(size="1")])},
     "backup_files.files[0].file_name"),
    ({"backup_files": BackupFilesBody(file_source="ftp", bucket_name="b", files=[Files(file_name="f")])},
     "backup_files.file_source"),
    ({"backup_files": BackupFilesBody(file_source="backup_record")}, "backup_files.backup_id"),
    ({"backup_files": BackupFilesBody(file_source="backup_record", backup_id="no-such-backup")},
     "backup_files.backup_id"),
    ({"target_instance": None}, "target_instance"),
    ({"target_instance": TargetInstanceBody(name="no-id")}, "target_instance.id"),
])
def test_invalid_field_is_dcs_4800_naming_it(client, overrides, field):
    assert _error(lambda: client.create_migration_task(_body(**overrides))) == (
        400, "DCS.4800", "Invalid %s in the request." % field)
    assert client.list_migration_task(ListMigrationTaskRequest()).count == 0  # nothing created


def test_empty_body_is_4004(client):
    assert _error(lambda: client.create_migration_task(CreateMigrationTaskRequest()))[:2] == (400, "DCS.4004")


def test_non_json_body_is_4005(client):
    request = CreateMigrationTaskRequest(body="{not json")
    assert _error(lambda: client.create_migration_task(request))[:2] == (400, "DCS.4005")


@pytest.mark.parametrize("call", [
    lambda c: c.show_migration_task(ShowMigrationTaskRequest(task_id=UNKNOWN_TASK)),
    lambda c: c.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=UNKNOWN_TASK)),
    lambda c: c.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=UNKNOWN_TASK)),
    lambda c: c.stop_migration_task(StopMigrationTaskRequest(task_id=UNKNOWN_TASK)),
], ids=["show", "stats", "logs", "stop"])
def test_unknown_task_is_400_dcs_4133(client, call):
    status, code, message = _error(lambda: call(client))
    assert (status, code) == (400, "DCS.4133") and UNKNOWN_TASK in message


def test_unknown_instance_is_404_dcs_3022(client):
    assert _error(lambda: client.show_instance(ShowInstanceRequest(instance_id="0" * 8)))[:2] == (404, "DCS.3022")
    status, code, message = _error(lambda: client.create_migration_task(import_request("to-nowhere",
                                                                                       instance="nope")))
    assert (status, code) == (404, "DCS.3022") and "nope" in message


def test_instance_of_another_project_is_not_found(client):
    assert _error(lambda: client.show_instance(ShowInstanceRequest(instance_id=OTHER_INSTANCE)))[:2] == (
        404, "DCS.3022")
    assert _error(lambda: client.create_migration_task(import_request("cross", instance=OTHER_INSTANCE)))[:2] == (
        404, "DCS.3022")


def test_instance_not_running_is_dcs_4049(client):
    status, code, message = _error(lambda: client.create_migration_task(
        import_request("to-frozen", instance=FROZEN_INSTANCE)))
    assert (status, code) == (400, "DCS.4049") and "FROZEN" in message


def test_unknown_url_is_404_dcs_4001(client):
    assert _error(lambda: client.list_flavors(ListFlavorsRequest()))[:2] == (404, "DCS.4001")


@pytest.mark.parametrize("request_,field", [
    (ListMigrationTaskRequest(limit=0), "limit"),
    (ListMigrationTaskRequest(limit=1001), "limit"),
    (ListMigrationTaskRequest(offset=-1), "offset"),
])
def test_bad_paging_is_4800(client, request_, field):
    assert _error(lambda: client.list_migration_task(request_)) == (400, "DCS.4800", "Invalid %s in the request." % field)


@pytest.mark.parametrize("ids", [[], [""]])
def test_an_empty_task_id_list_is_refused(client, ids):
    """Delete names the field (DCS.4800); batch stop answers as its page's example does (DCS.4855)."""
    assert _error(lambda: client.delete_migration_task(DeleteMigrationTaskRequest(
        body=DeleteMigrateTaskRequest(task_id_list=ids)))) == (400, "DCS.4800", "Invalid task_id_list in the request.")
    expected = (400, "DCS.4855", "invalid migration task id in the request.")
    assert _error(lambda: client.batch_stop_migration_tasks(BatchStopMigrationTasksRequest(
        body=BatchStopMigrationTasksBody(migration_tasks=ids)))) == expected


def test_bad_log_level_is_4800(client):
    created = client.create_migration_task(import_request("log-level"))
    assert _error(lambda: client.list_migration_task_logs(ListMigrationTaskLogsRequest(
        task_id=created.id, log_level="LOUD")))[:2] == (400, "DCS.4800")


def test_name_filter_with_odd_characters_is_signed_and_matched(client):
    listed = client.list_migration_task(ListMigrationTaskRequest(name="a b/ü~+&="))
    assert isinstance(listed, ListMigrationTaskResponse) and listed.count == 0
