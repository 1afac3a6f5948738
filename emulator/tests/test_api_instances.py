# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance calls (list/show) and backup records, and the admin status override they reflect."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (InstanceListInfo, ListBackupRecordsRequest, ListBackupRecordsResponse,
                                  ListInstancesRequest, ShowInstanceRequest, ShowInstanceResponse)

from dcs_emulator.testing import wait_final

from conftest import BACKUP_ID, FROZEN_INSTANCE, INSTANCE, PASSWORD, import_request


def test_show_instance(client):
    shown = client.show_instance(ShowInstanceRequest(instance_id=INSTANCE))
    assert isinstance(shown, ShowInstanceResponse)
    assert (shown.instance_id, shown.name, shown.status, shown.engine, shown.engine_version) == (
        INSTANCE, "dcs-demo", "RUNNING", "Redis", "7.0")
    assert (shown.ip, shown.port, shown.no_password_access, shown.enable_ssl) == ("127.0.0.1", 6379, "false", False)
    assert shown.max_memory == 1024 and shown.used_memory == 0
    assert PASSWORD not in str(shown)


def test_list_instances_and_filters(client):
    listed = client.list_instances(ListInstancesRequest())
    assert listed.instance_num == 2 and all(isinstance(i, InstanceListInfo) for i in listed.instances)
    assert {i.name: i.status for i in listed.instances} == {"dcs-demo": "RUNNING", "dcs-frozen": "FROZEN"}
    assert [i.name for i in client.list_instances(ListInstancesRequest(name="froz")).instances] == ["dcs-frozen"]
    assert client.list_instances(ListInstancesRequest(name_equal="dcs")).instance_num == 0
    assert [i.instance_id for i in client.list_instances(ListInstancesRequest(status="RUNNING")).instances] == [INSTANCE]
    assert [i.instance_id for i in client.list_instances(ListInstancesRequest(instance_id=FROZEN_INSTANCE)).instances] \
        == [FROZEN_INSTANCE]
    page = client.list_instances(ListInstancesRequest(offset=1, limit=1))
    assert page.instance_num == 2 and len(page.instances) == 1


def test_list_backup_records(client):
    records = client.list_backup_records(ListBackupRecordsRequest(instance_id=INSTANCE))
    assert isinstance(records, ListBackupRecordsResponse)
    assert records.total_num == 2
    newest = records.backup_record_response[0]
    assert (newest.backup_id, newest.backup_name, newest.instance_id, newest.size) == (BACKUP_ID, "nightly", INSTANCE, 109)
    assert (newest.status, newest.is_support_restore, newest.backup_format) == ("succeed", "TRUE", "rdb")
    assert newest.created_at.startswith("2026-01-02T03:04:05")
    assert records.backup_record_response[1].backup_format == "aof"


@pytest.mark.parametrize("begin,end,expected", [
    ("20260101000000", None, [BACKUP_ID]),
    (None, "20251231000000", ["backup-0002"]),
    ("20200101000000", "20300101000000", [BACKUP_ID, "backup-0002"]),
])
def test_backup_record_time_filters(client, begin, end, expected):
    records = client.list_backup_records(ListBackupRecordsRequest(instance_id=INSTANCE, begin_time=begin, end_time=end))
    assert [r.backup_id for r in records.backup_record_response] == expected


def test_backup_record_bad_time_is_4800(client):
    with pytest.raises(ClientRequestException) as info:
        client.list_backup_records(ListBackupRecordsRequest(instance_id=INSTANCE, begin_time="yesterday"))
    assert (info.value.error_code, info.value.error_msg) == ("DCS.4800", "Invalid begin_time in the request.")


def test_backups_of_unknown_instance_is_3022(client):
    with pytest.raises(ClientRequestException) as info:
        client.list_backup_records(ListBackupRecordsRequest(instance_id="unknown"))
    assert (info.value.status_code, info.value.error_code) == (404, "DCS.3022")


def test_admin_status_override_is_seen_and_enforced(emu, client):
    assert emu.admin("POST", "instances/%s/status" % INSTANCE, {"status": "RESTARTING"})["status"] == "RESTARTING"
    assert client.show_instance(ShowInstanceRequest(instance_id=INSTANCE)).status == "RESTARTING"
    with pytest.raises(ClientRequestException) as info:
        client.create_migration_task(import_request("while-restarting"))
    assert info.value.error_code == "DCS.4049"
    emu.admin("POST", "instances/%s/status" % INSTANCE, {"status": None})
    assert client.show_instance(ShowInstanceRequest(instance_id=INSTANCE)).status == "RUNNING"
    assert wait_final(client, client.create_migration_task(import_request("after-restart")).id).status == "SUCCESS"


def test_admin_refuses_unknown_status_and_instance(emu):
    emu.admin("POST", "instances/%s/status" % INSTANCE, {"status": "SLEEPY"}, expect=400)
    emu.admin("POST", "instances/nope/status", {"status": "RUNNING"}, expect=404)
