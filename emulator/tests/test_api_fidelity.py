# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fidelity points through the official SDK: the documented reading (default) and the opposite one, the
statuses a finished import takes, what a request keeps, and a random set replayed from its seed."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
import yaml
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdcs.v2 import (BackupFilesBody, CreateMigrationTaskBody, CreateMigrationTaskRequest,
                                  DeleteMigrateTaskRequest, DeleteMigrationTaskRequest, ListMigrationTaskLogsRequest,
                                  ListMigrationTaskRequest, ShowMigrationTaskRequest, ShowMigrationTaskStatsRequest,
                                  SourceInstanceBody, StopMigrationTaskRequest, TargetInstanceBody)

from dcs_emulator import fidelity
from dcs_emulator.testing import EmulatorProcess, wait_final

from conftest import BACKUP_ID, INSTANCE, PASSWORD, base_config, import_request

SLASH = r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"
ISO_MS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
COMPACT = r"\d{12}"


def _server(tmp_path_factory, label, fidelity):
    root = tmp_path_factory.mktemp(label)
    config = base_config(root)
    config["fidelity"] = fidelity
    return EmulatorProcess(root, config).start()


@pytest.fixture(scope="module")
def opposite(tmp_path_factory):
    server = _server(tmp_path_factory, "opposite", {"preset": "opposite"})
    yield server
    server.stop()


@pytest.fixture
def opp(opposite):
    opposite.admin("POST", "reset")
    return opposite.client()


def _create(client, name, **kwargs):
    return client.create_migration_task(import_request(name, **kwargs))


def _error(call) -> tuple:
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value.status_code, info.value.error_code


def _delete(client, ids):
    return client.delete_migration_task(DeleteMigrationTaskRequest(body=DeleteMigrateTaskRequest(task_id_list=ids)))


def _logs(client, task_id) -> list:
    logs = client.list_migration_task_logs(ListMigrationTaskLogsRequest(task_id=task_id, limit=100))
    return logs.migration_logs


def _record_request(name, backup_id=BACKUP_ID):
    return CreateMigrationTaskRequest(body=CreateMigrationTaskBody(
        task_name=name, migration_type="backupfile_import", migration_method="full_amount_migration",
        backup_files=BackupFilesBody(file_source="backup_record", backup_id=backup_id),
        target_instance=TargetInstanceBody(id=INSTANCE, password=PASSWORD)))


# -- the documented reading (no fidelity section) ----------------------------------------------------------

def _times(client) -> tuple:
    """(show's created_at and updated_at, the list item's created_at, the log entries' created_at) of a task."""
    created = _create(client, "fid-times")
    shown = wait_final(client, created.id)
    item = client.list_migration_task(ListMigrationTaskRequest(name="fid-times")).migration_tasks[0]
    return [shown.created_at, shown.updated_at], item.created_at, [e.created_at for e in _logs(client, created.id)]


def _formats(times, pattern) -> bool:
    return all(re.fullmatch(pattern, time_text) for time_text in times)


def test_documented_time_formats_of_show_list_and_logs(client):
    show, listed, logs = _times(client)
    assert _formats(show, SLASH) and _formats([listed], ISO_MS) and _formats(logs, ISO_MS)
    assert listed[:10].replace("-", "/") == show[0][:10]  # one moment, two formats


def test_list_item_has_the_25_fields_and_error_message_only_there(client):
    created = _create(client, "fid-fields", files=("nope.rdb",))
    assert wait_final(client, created.id).status == "FAILED"
    # The SDK fills every model attribute (None when absent): the answer's own JSON says what was sent.
    item = client.list_migration_task(ListMigrationTaskRequest(name="fid-fields")).to_json_object()["migration_tasks"][0]
    assert len(item) == 25 and "nope.rdb" in item["error_message"]
    assert item["target_instance_spec_code"] == "redis.single.xu1.large.1" and item["source_instance_name"] == ""
    shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=created.id)).to_json_object()
    assert "error_message" not in shown and shown["task_status"] is None
    ok = _create(client, "fid-fields-ok")
    wait_final(client, ok.id)
    assert client.list_migration_task(ListMigrationTaskRequest(name="fid-fields-ok")).migration_tasks[0] \
        .error_message is None


def test_stats_are_strings_by_the_field_table(client):
    created = _create(client, "fid-stats")
    wait_final(client, created.id)
    stats = client.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=created.id))
    assert stats.full_migration_progress == "100.00" and stats.offset == "109"
    assert stats.to_json_object()["offset"] == "109"


def test_backup_record_id_is_flat_by_the_sdk_model(client):
    created = client.create_migration_task(_record_request("fid-flat"))
    shown = wait_final(client, created.id)
    assert shown.backup_files.backup_id == BACKUP_ID


def test_a_running_task_may_be_deleted(emu, client):
    created = _create(client, "fid-delrun")
    emu.admin("POST", "tasks/%s/duration" % created.id, {"seconds": 30})
    assert _delete(client, [created.id]).task_id_list == [created.id]
    assert client.list_migration_task(ListMigrationTaskRequest(name="fid-delrun")).count == 0


def test_fields_sent_are_kept_and_those_without_effect_are_logged(client):
    body = import_request("fid-kept").body
    body.network_type = "vpc"
    body.target_instance.db = "3"
    body.target_instance.proxy_multi_db = False
    body.source_instance = SourceInstanceBody(addrs="10.0.0.9:6379", name="src", password="src-pw-marker")
    created = client.create_migration_task(CreateMigrationTaskRequest(body=body))
    shown = wait_final(client, created.id)
    assert shown.network_type == "vpc" and shown.target_instance.db == "3"
    assert shown.target_instance.proxy_multi_db is False
    assert (shown.source_instance.addrs, shown.source_instance.name) == ("10.0.0.9:6379", "src")
    assert shown.source_instance.password == "src-pw-marker"  # echoed like the target's (vendor example)
    messages = [entry.message for entry in _logs(client, created.id)]
    for field in ("network_type", "source_instance", "target_instance.db", "target_instance.proxy_multi_db"):
        assert any(m.startswith(field + " has no effect on a backup import") for m in messages), field
    assert not [m for m in messages if "src-pw-marker" in m]


def test_a_plain_request_logs_no_field_without_effect(client):
    created = _create(client, "fid-plain")
    wait_final(client, created.id)
    assert not [e for e in _logs(client, created.id) if "has no effect" in e.message]


# -- the opposite reading ----------------------------------------------------------------------------------

def test_opposite_name_filter_is_exact_and_order_oldest_first(opp):
    first, second = _create(opp, "fid-same").id, _create(opp, "fid-same").id
    _create(opp, "fid-same-longer")
    listed = opp.list_migration_task(ListMigrationTaskRequest(name="fid-same"))
    assert listed.count == 2 and [t.task_id for t in listed.migration_tasks] == [first, second]


def test_opposite_time_formats(opp):
    show, listed, logs = _times(opp)
    assert _formats(show, ISO_MS) and _formats([listed], SLASH) and _formats(logs, SLASH)


def test_opposite_stats_are_json_numbers_as_the_example_shows(opp):
    created = _create(opp, "fid-stats")
    wait_final(opp, created.id)
    stats = opp.show_migration_task_stats(ShowMigrationTaskStatsRequest(task_id=created.id)).to_json_object()
    assert stats["full_migration_progress"] == 100 and stats["offset"] == 109 and stats["is_migrating"] is False
    assert isinstance(stats["full_migration_progress"], int)  # 100, as the example writes it


def test_opposite_delete_refuses_unknown_ids_and_running_tasks(opposite, opp):
    assert _error(lambda: _delete(opp, ["0" * 32])) == (400, "DCS.4133")
    created = _create(opp, "fid-delrun")
    opposite.admin("POST", "tasks/%s/duration" % created.id, {"seconds": 30})
    assert _error(lambda: _delete(opp, [created.id])) == (400, "DCS.4957")
    opp.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))
    assert wait_final(opp, created.id).status == "TERMINATED"
    assert _delete(opp, [created.id]).task_id_list == [created.id]


def test_opposite_stop_of_a_finished_task_is_the_instance_state_code(opp):
    created = _create(opp, "fid-stopdone")
    wait_final(opp, created.id)
    assert _error(lambda: opp.stop_migration_task(StopMigrationTaskRequest(task_id=created.id))) == (400, "DCS.4026")


def test_opposite_show_hides_passwords_and_nests_the_backup_record(opp):
    created = opp.create_migration_task(_record_request("fid-nested"))
    shown = wait_final(opp, created.id)
    assert shown.target_instance.password is None
    assert shown.backup_files.backup_id is None  # the SDK model has no backup_record: read the JSON
    raw = opp.show_migration_task(ShowMigrationTaskRequest(task_id=created.id)).to_json_object()
    assert raw["backup_files"] == {"file_source": "backup_record", "backup_record": {"backup_id": BACKUP_ID}}


def test_opposite_failure_is_migration_failed_and_success_is_released_at_once(opp):
    failed = _create(opp, "fid-fail", files=("nope.rdb",))
    assert wait_final(opp, failed.id).status == "MIGRATION_FAILED"
    done = _create(opp, "fid-release")
    shown = wait_final(opp, done.id)
    assert shown.status == "RELEASED" and re.fullmatch(ISO_MS, shown.released_at)
    item = opp.list_migration_task(ListMigrationTaskRequest(name="fid-release")).migration_tasks[0]
    assert item.status == "RELEASED" and re.fullmatch(SLASH, item.released_at)
    assert "The migration ECS was released." in [e.message for e in _logs(opp, done.id)]


# -- release delay, random sets --------------------------------------------------------------------------

def test_success_becomes_released_after_the_configured_delay(tmp_path_factory):
    server = _server(tmp_path_factory, "release", {"release_after_seconds": 1.5})
    try:
        client = server.client()
        created = _create(client, "fid-release")
        shown = wait_final(client, created.id)
        assert shown.status == "SUCCESS" and shown.released_at is None
        deadline = time.monotonic() + 10
        while shown.status == "SUCCESS" and time.monotonic() < deadline:
            time.sleep(0.1)
            shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=created.id))
        assert shown.status == "RELEASED" and re.fullmatch(COMPACT, shown.released_at)
        item = client.list_migration_task(ListMigrationTaskRequest(name="fid-release")).migration_tasks[0]
        assert item.released_at == shown.released_at  # the moment it was released, not when it was looked at
        assert _delete(client, [created.id]).task_id_list == [created.id]
    finally:
        server.stop()


def _check_config(tmp_path, fidelity) -> str:
    config = base_config(tmp_path)
    config["fidelity"] = fidelity
    path = tmp_path / "emulator.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "dcs_emulator", "check-config", "--config", str(path)],
                            capture_output=True, text=True, check=False, cwd=str(tmp_path))
    return result.stdout + result.stderr


def test_a_random_set_prints_its_seed_and_the_seed_replays_it(tmp_path):
    first = re.search(r"fidelity: preset random seed (\d+): (.*)", _check_config(tmp_path, {"preset": "random"}))
    assert first
    replayed = _check_config(tmp_path, {"preset": "random", "seed": int(first.group(1))})
    assert "fidelity: preset random seed %s: %s" % first.groups() in replayed


def test_a_random_server_logs_its_seed_and_shows_the_points(tmp_path_factory):
    server = _server(tmp_path_factory, "random", {"preset": "random", "seed": 4711, "list_order": "oldest_first"})
    try:
        points = server.admin("GET", "fidelity")
        assert points["seed"] == 4711 and points["list_order"] == "oldest_first"
        assert "fidelity: preset random seed 4711:" in server.log_text()
    finally:
        server.stop()


@pytest.mark.parametrize("fidelity,problem", [
    ({"name_filter": "fuzzy"}, "fidelity.name_filter: must be one of substring or exact"),
    ({"seed": 3}, "fidelity: seed replays a random set: give it with preset: random"),
    ({"list_oder": "oldest_first"}, "fidelity.list_oder: unknown key"),
    ({"release_after_seconds": -1}, "fidelity.release_after_seconds: must be >= 0"),
])
def test_a_bad_fidelity_section_is_refused_naming_the_key(tmp_path, fidelity, problem):
    assert problem in _check_config(tmp_path, fidelity)


@pytest.mark.parametrize("text,section", [
    ("documented", {"preset": "documented"}), ("opposite", {"preset": "opposite"}),
    ("random", {"preset": "random"}), ("random:42", {"preset": "random", "seed": 42}),
    ("opposite,failed_status=FAILED,release_after_seconds=60",
     {"preset": "opposite", "failed_status": "FAILED", "release_after_seconds": 60.0}),
])
def test_a_fidelity_set_by_name(text, section):
    assert fidelity.section_from_text(text) == section


@pytest.mark.parametrize("text", ["opposit", "opposite:3", "random:x", "documented,list_order"])
def test_a_bad_fidelity_set_name_is_refused(text):
    with pytest.raises(ValueError, match="expected documented, opposite, random or random:SEED|point=reading"):
        fidelity.section_from_text(text)
