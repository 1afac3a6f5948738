# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every online-migration call and status through the SDK, and each way a source can refuse a migration."""

from __future__ import annotations

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (BatchRestartOnlineMigrationTasksBody, BatchRestartOnlineMigrationTasksRequest,
                                  CreateOnlineMigrationTaskBody, CreateOnlineMigrationTaskRequest,
                                  DeleteMigrateTaskRequest, DeleteMigrationTaskRequest, ListMigrationTaskRequest,
                                  MigrationUpdateRequestEntity, ShowMigrationTaskRequest, StopMigrationTaskRequest,
                                  StopMigrationTaskSyncRequest, UpdateMigrationTaskRequest)

from .conftest import (OLD_TARGET, SOURCE_PASSWORD, TARGET, TARGET_PASSWORD, addr, configure, create_task,
                       log_messages, stats, wait_status)


def api_error(call) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value


def error_message(client, task_id) -> str:
    tasks = client.list_migration_task(ListMigrationTaskRequest(limit=1000)).migration_tasks
    return next(t.error_message for t in tasks if t.task_id == task_id)


def restart(client, *task_ids):
    answer = client.batch_restart_online_migration_tasks(BatchRestartOnlineMigrationTasksRequest(
        body=BatchRestartOnlineMigrationTasksBody(migration_tasks=list(task_ids))))
    return [(r.task_id, r.result, r.error_code) for r in answer.migration_tasks]


def test_a_new_task_waits_for_its_configuration_as_running(client):
    task_id = create_task(client, "online-new")
    shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id))
    assert (shown.status, shown.migration_type, shown.migration_method) == ("RUNNING", "online_migration", "")
    assert (shown.tenant_vpc_id, shown.tenant_subnet_id, shown.tenant_security_group_id) == ("vpc-1", "subnet-1", "sg-1")
    listed = client.list_migration_task(ListMigrationTaskRequest(name="online-new")).migration_tasks
    assert [(t.task_id, t.status) for t in listed] == [(task_id, "RUNNING")]
    assert stats(client, task_id).is_migrating is False
    assert restart(client, task_id) == [(task_id, "failed", "DCS.4957")]
    assert api_error(lambda: client.stop_migration_task(StopMigrationTaskRequest(task_id=task_id))).error_code == "DCS.4026"


@pytest.mark.parametrize("field, value", [("name", "1bad"), ("vpc_id", ""), ("subnet_id", None),
                                          ("security_group_id", 7)])
def test_create_refuses_a_bad_field_by_name(client, field, value):
    body = {"name": "online-bad", "vpc_id": "v", "subnet_id": "s", "security_group_id": "g", field: value}
    error = api_error(lambda: client.create_online_migration_task(
        CreateOnlineMigrationTaskRequest(body=CreateOnlineMigrationTaskBody(**body))))
    assert (error.status_code, error.error_code, error.error_msg) == (400, "DCS.4800", "Invalid %s in the request." % field)


@pytest.mark.parametrize("change, field", [
    ({"method": "sideways"}, "migration_method"), ({"resume_mode": "sometimes"}, "resume_mode"),
    ({"bandwidth": "0"}, "bandwidth_limit_mb"), ({"bandwidth": "10241"}, "bandwidth_limit_mb"),
    ({"source_addr": None}, "source_instance.id")])
def test_configure_refuses_a_bad_field_by_name(client, change, field):
    task_id = create_task(client, "online-badcfg")
    args = dict({"source_addr": "127.0.0.1:1"}, **change)
    source = args.pop("source_addr")
    error = api_error(lambda: configure(client, task_id, source, **args))
    assert (error.error_code, error.error_msg) == ("DCS.4800", "Invalid %s in the request." % field)
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id)).status == "RUNNING"


def test_configure_of_an_unknown_task_is_dcs_4133(client):
    assert api_error(lambda: configure(client, "no-such-task", "127.0.0.1:1")).error_code == "DCS.4133"


def test_full_migration_runs_configured_stopped_and_restarted(client, source):
    task_id = create_task(client, "online-life")
    answer = configure(client, task_id, addr(source), method="full_amount_migration", bandwidth="100")
    assert (answer.id, answer.status) == (task_id, "FULLMIGRATING")
    shown = wait_status(client, task_id, ("SUCCESS", "FAILED"))
    assert shown.status == "SUCCESS"
    assert (shown.migration_method, shown.resume_mode, shown.bandwidth_limit_mb) == ("full_amount_migration", "auto", "100")
    assert shown.source_instance.addrs == addr(source) and shown.target_instance.id == TARGET
    assert restart(client, task_id) == [(task_id, "failed", "DCS.4957")]  # a finished task is configured again
    assert configure(client, task_id, addr(source), method="full_amount_migration").status == "FULLMIGRATING"
    assert wait_status(client, task_id, ("SUCCESS", "FAILED")).status == "SUCCESS"


def test_incremental_migration_stop_restart_and_sync_stop(client, source):
    task_id = create_task(client, "online-incr-life")
    configure(client, task_id, addr(source), resume_mode="manual")
    wait_status(client, task_id, ("INCRMIGRATING",))
    assert stats(client, task_id).is_migrating is True
    assert api_error(lambda: configure(client, task_id, addr(source))).error_code == "DCS.4957"
    client.update_migration_task(UpdateMigrationTaskRequest(task_id=task_id, body=MigrationUpdateRequestEntity(resume_mode="auto")))
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id)).resume_mode == "auto"
    error = api_error(lambda: client.update_migration_task(UpdateMigrationTaskRequest(
        task_id=task_id, body=MigrationUpdateRequestEntity(resume_mode="never"))))
    assert error.error_msg == "Invalid resume_mode in the request."
    stopped = client.stop_migration_task(StopMigrationTaskRequest(task_id=task_id))
    assert stopped.status in ("TERMINATING", "TERMINATED")
    wait_status(client, task_id, ("TERMINATED",))
    assert stats(client, task_id).is_migrating is False
    assert restart(client, task_id, "no-such-task") == [(task_id, "success", ""), ("no-such-task", "failed", "DCS.4133")]
    wait_status(client, task_id, ("INCRMIGRATING",))
    client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))
    assert client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id)).status == "TERMINATED"
    client.stop_migration_task_sync(StopMigrationTaskSyncRequest(task_id=task_id))  # already stopped: still 204
    client.delete_migration_task(DeleteMigrationTaskRequest(body=DeleteMigrateTaskRequest(task_id_list=[task_id])))
    assert task_id not in [t.task_id for t in client.list_migration_task(ListMigrationTaskRequest(limit=1000)).migration_tasks]


def test_batch_restart_takes_at_most_50_tasks(client):
    error = api_error(lambda: restart(client, *["t%d" % i for i in range(51)]))
    assert error.error_msg == "Invalid migration_tasks in the request."


def test_no_password_is_ever_answered(client, source, online_emulator):
    task_id = create_task(client, "online-secret")
    configure(client, task_id, addr(source), method="full_amount_migration")
    wait_status(client, task_id, ("SUCCESS", "FAILED"))
    base = online_emulator.url
    for text in (str(client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id))),
                 str(client.list_migration_task(ListMigrationTaskRequest(limit=1000))), str(log_messages(client, task_id)),
                 online_emulator.log_text(), requests.get(base + "/_emulator/requests", timeout=10).text):
        assert SOURCE_PASSWORD not in text and TARGET_PASSWORD not in text


def failure_of(client, task_id) -> str:
    assert wait_status(client, task_id, ("FAILED", "SUCCESS", "INCRMIGRATING")).status == "FAILED"
    message = error_message(client, task_id)
    assert ("ERROR", message) in log_messages(client, task_id)
    return message


def test_a_wrong_source_password_fails_the_task_with_the_reason(client, source):
    task_id = create_task(client, "online-wrongpw")
    configure(client, task_id, addr(source), source_password="not-the-password")
    assert "refused the password" in failure_of(client, task_id)


def test_an_unreachable_source_fails_the_task_with_the_reason(client):
    from dcs_emulator.importer.servers import free_port  # pylint: disable=import-outside-toplevel
    task_id = create_task(client, "online-unreach")
    configure(client, task_id, "127.0.0.1:%d" % free_port())
    message = failure_of(client, task_id)
    assert message.startswith("Cannot connect to the source 127.0.0.1:") and "refused" in message.lower()


def test_a_source_that_refuses_psync_fails_the_task_with_the_reason(client, source):
    admin = source.client()
    try:
        admin.execute_command("ACL", "SETUSER", "default", "-psync", "-sync")
    finally:
        admin.close()
    task_id = create_task(client, "online-nopsync")
    configure(client, task_id, addr(source))
    message = failure_of(client, task_id)
    assert "refused PSYNC" in message and "NOPERM" in message and "SYNC/PSYNC" in message


def test_a_source_newer_than_the_target_fails_the_task_with_the_reason(client, source):
    task_id = create_task(client, "online-newer")
    configure(client, task_id, addr(source), target=OLD_TARGET)
    message = failure_of(client, task_id)
    assert "is newer than the target" in message and "at least the source's" in message


def test_a_wrong_target_password_fails_the_task(client, source):
    task_id = create_task(client, "online-tgtpw")
    configure(client, task_id, addr(source), target_password="wrong")
    assert "authenticate to the target" in failure_of(client, task_id)
