# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile input: every probe of issue 20 answers a DCS-style 4xx, never a 500 or a plain-text page.

Signed raw HTTP (signed_http.send) carries what the SDK would never send: bytes that are not UTF-8, nesting
100,000 deep, lone surrogates, ``limit=1_0``, a JSON body labelled text/plain.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ServerResponseException
from huaweicloudsdkdcs.v2 import ListMigrationTaskRequest

from dcs_emulator.logsafe import EscapingFormatter
from dcs_emulator.testing import InProcessEmulator

from conftest import INSTANCE, PASSWORD, PROJECT, base_config
from signed_http import send

TASKS = "/v2/%s/migration-tasks" % PROJECT
TASK = "/v2/%s/migration-task" % PROJECT
BACKUPS = "/v2/%s/instances/%s/backups" % (PROJECT, INSTANCE)


def create_body(**changes) -> dict:
    body = {"task_name": "hostile-task", "description": "d", "migration_type": "backupfile_import",
            "migration_method": "full_amount_migration",
            "backup_files": {"file_source": "self_build_obs", "bucket_name": "demo-bucket",
                             "files": [{"file_name": "dump.rdb"}]},
            "target_instance": {"id": INSTANCE, "password": PASSWORD}}
    body.update(changes)
    return body


def raw_json(value) -> bytes:
    """JSON text as Python writes it: a lone surrogate becomes the escape ``\\ud800``, as a client could send."""
    return json.dumps(value).encode("ascii")


def assert_dcs_error(response, status: int, code: str, message: str = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()
    assert error["error_code"] == code, error
    if message is not None:
        assert error["error_msg"] == message
    return error


def assert_unauthorised(response) -> None:
    """401 with an error body (its code is the authentication layer's: DCS.100x or the gateway's APIGW.0301)."""
    assert response.status_code == 401, response.text
    assert set(response.json()) >= {"error_code", "error_msg"}


def invalid(field: str) -> str:
    return "Invalid %s in the request." % field


def a_task_id(emu, client) -> str:
    response = send(emu, "POST", TASK, raw_json(create_body()))
    assert response.status_code == 200, response.text
    return response.json()["id"]


@pytest.mark.parametrize("path", [TASKS, TASK + "/%s/logs", "/v2/%s/instances" % PROJECT, BACKUPS])
@pytest.mark.parametrize("query,field", [
    ("offset=9223372036854775808", "offset"),   # overflowed SQLite's integer: a plain-text 500 before
    ("offset=2147483648", "offset"),            # one past the 32-bit range the SDKs declare
    ("offset=-1", "offset"),
    ("limit=1_0", "limit"),                     # int() takes underscores
    ("limit=%EF%BC%91", "limit"),               # a full-width 1: int() takes other scripts' digits
    ("limit=", "limit"),
    ("limit=+5", "limit"),
    ("limit=%205", "limit"),
    ("limit=1&limit=2", "limit"),               # ambiguous
])
def test_integer_parameters_are_ascii_digits_in_range(emu, client, path, query, field):
    if "%s" in path:
        path = path % a_task_id(emu, client)
    assert_dcs_error(send(emu, "GET", path, query=query), 400, "DCS.4800", invalid(field))


@pytest.mark.parametrize("query,field", [
    ("end_time=", "end_time"),
    ("begin_time=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96" + "0101000000", "begin_time"),  # full-width year
    ("begin_time=2026010100000", "begin_time"),
    ("end_time=20261301000000", "end_time"),
])
def test_backup_time_filters_are_compact_ascii_times(emu, query, field):
    assert_dcs_error(send(emu, "GET", BACKUPS, query=query), 400, "DCS.4800", invalid(field))


def test_valid_parameters_still_answer(emu, client):
    task_id = a_task_id(emu, client)
    assert send(emu, "GET", TASKS, query="offset=0&limit=1000&name=").json()["count"] == 1
    assert send(emu, "GET", TASK + "/%s/logs" % task_id, query="limit=1&log_level=INFO").status_code == 200
    answer = send(emu, "GET", BACKUPS, query="begin_time=20000101000000&end_time=20991231235959")
    assert answer.json()["total_num"] == 2


def test_empty_log_level_is_4800(emu, client):
    path = TASK + "/%s/logs" % a_task_id(emu, client)
    assert_dcs_error(send(emu, "GET", path, query="log_level="), 400, "DCS.4800", invalid("log_level"))


@pytest.mark.parametrize("method,path,body", [
    ("POST", TASK, b"[" * 100000),
    ("POST", TASK + "/batch-stop", b'{"migration_tasks": [' + b'{"a": ' * 100000 + b"1" + b"}" * 100000 + b"]}"),
    ("DELETE", TASKS + "/delete", b'{"task_id_list": ' + b"[" * 33 + b"]" * 33 + b"}"),
    ("POST", TASK, b'{"task_name": "caf\xe9-task"}'),              # latin-1, not UTF-8
    ("POST", TASK, b'{"task_name": "x", "description": "\xed\xa0\x80"}'),  # a surrogate encoded as UTF-8 bytes
    ("POST", TASK, b'["a list", "not an object"]'),
    ("POST", TASK, b'{"task_name": NaN}'),
], ids=["100k-brackets", "100k-nested-objects", "depth-34", "latin-1", "utf8-surrogate", "list", "nan"])
def test_bodies_that_are_not_acceptable_json_are_4005(emu, client, method, path, body):
    assert_dcs_error(send(emu, method, path, body), 400, "DCS.4005")
    assert client.list_migration_task(ListMigrationTaskRequest()).count == 0


@pytest.mark.parametrize("body", [b'{"task_name": Infinity}', b'{"task_name": -Infinity}', b'{"x": 1e999}'])
def test_non_finite_numbers_are_not_json(emu, body):
    # Python's json takes them; they are not JSON, and a stored Infinity could not be answered again.
    assert_dcs_error(send(emu, "POST", TASK, body), 400, "DCS.4005")


def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(emu):
    body = raw_json(create_body(description="x" * (1024 * 1024)))
    assert_dcs_error(send(emu, "POST", TASK, body), 400, "DCS.4005",
                     "The request body is larger than 1048576 bytes.")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"])
def test_a_json_body_needs_a_json_content_type(emu, client, content_type):
    response = send(emu, "POST", TASK, raw_json(create_body()), content_type=content_type)
    assert_dcs_error(response, 400, "DCS.4005")
    assert client.list_migration_task(ListMigrationTaskRequest()).count == 0


@pytest.mark.parametrize("content_type", ["application/json", "application/json;charset=UTF-8",
                                          "Application/JSON; charset=utf-8"])
def test_json_content_types_the_sdk_sends_are_accepted(emu, content_type):
    assert send(emu, "POST", TASK, raw_json(create_body()), content_type=content_type).status_code == 200


@pytest.mark.parametrize("method,path,body,field", [
    ("POST", TASK + "/batch-stop", {"migration_tasks": ["\ud800"]}, "migration_tasks[0]"),
    ("DELETE", TASKS + "/delete", {"task_id_list": ["ok", "a\udfff"]}, "task_id_list[1]"),
    ("POST", TASK, create_body(description="\ud800"), "description"),
    ("POST", TASK, create_body(target_instance={"id": INSTANCE, "password": PASSWORD, "name": "n\ud800"}),
     "target_instance.name"),
    ("POST", TASK, create_body(backup_files={"bucket_name": "demo-bucket", "files": [{"file_name": "f\ud800.rdb"}]}),
     "backup_files.files[0].file_name"),
    ("POST", TASK, create_body(target_instance={"id": INSTANCE, "password": "pw\ud800"}), "target_instance.password"),
    ("POST", TASK, create_body(extra={"\ud800": 1}), "extra"),
    ("POST", TASK, {"\udc00": 1}, "request body"),
])
def test_a_lone_surrogate_is_4800_naming_the_field(emu, client, method, path, body, field):
    assert_dcs_error(send(emu, method, path, raw_json(body)), 400, "DCS.4800", invalid(field))
    assert client.list_migration_task(ListMigrationTaskRequest()).count == 0


def test_a_surrogate_pair_is_one_character_and_accepted(emu, client):
    response = send(emu, "POST", TASK, raw_json(create_body(description="\U0001f600 \U0001d11e")))
    assert response.status_code == 200, response.text
    listed = client.list_migration_task(ListMigrationTaskRequest())
    assert listed.migration_tasks[0].description == "\U0001f600 \U0001d11e"


# -- anything unexpected: a DCS 500 with the request ID, one logged traceback, the real status in the access log --

def test_an_unexpected_error_is_a_dcs_500_with_the_request_id(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="dcs_emulator")
    server = InProcessEmulator(tmp_path, base_config(tmp_path), load_extensions=False, startup_timeout=10).start()
    try:
        def broken(*_args, **_kwargs):
            raise RuntimeError("storage broke\n2026-12-01 09:00:00,000 INFO forged")
        server.emulator.storage.list_tasks = broken
        with pytest.raises(ServerResponseException) as info:
            server.client().list_migration_task(ListMigrationTaskRequest())
        # The access line is written once the response is out: wait for it.
        wait_until(lambda: any(r.name == "dcs_emulator.access" for r in caplog.records), timeout=10)
    finally:
        server.stop()
    error = info.value
    assert (error.status_code, error.error_code, error.error_msg) == (500, "DCS.5000", "Internal service error.")
    assert len(error.request_id) == 32
    failures = [r for r in caplog.records if r.name == "dcs_emulator.errors"]
    assert len(failures) == 1 and "request_id=%s" % error.request_id in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError
    access = [r.getMessage() for r in caplog.records if r.name == "dcs_emulator.access"]
    assert any("list_migration_task -> 500" in line and error.request_id in line for line in access), access


# -- logs that cannot be forged --

FORGED = "2026-12-01 09:00:00,000 INFO dcs_emulator.access: DELETE /v2/x/migration-tasks/delete -> 200 forged"


def test_a_newline_in_the_path_forges_no_log_line(emu):
    path = "/v2/x%0A" + FORGED.replace(" ", "%20") + "%0D%0A%1B[31m%07%00%C2%85%E2%80%A8"
    assert_unauthorised(send(emu, "GET", path, signed=False))
    lines = wait_for_log(emu, "-> 401")
    assert not [line for line in lines if line.startswith(FORGED[:23])], lines
    access = [line for line in lines if "dcs_emulator.access" in line and "x\\x0a2026" in line]
    assert len(access) == 1, lines
    assert "\\x0d\\x0a\\x1b[31m\\x07\\x00\\x85\\u2028" in access[0]
    assert not any(ch in emu.log_text() for ch in "\x1b\x07\x00\x85\u2028\r")


def test_an_unsigned_request_logs_a_bounded_path(emu):
    assert_unauthorised(send(emu, "GET", "/v2/" + "p" * 5000, signed=False))
    lines = [line for line in wait_for_log(emu, "more]") if "dcs_emulator.access" in line and "pppp" in line]
    assert len(lines) == 1 and len(lines[0]) < 400, lines


def wait_for_log(emu, marker: str, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while marker not in emu.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return emu.log_text().splitlines()


def test_a_traceback_cannot_start_a_log_line():
    formatter = EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    error = ValueError("bad\n" + FORGED)
    try:
        raise error
    except ValueError:
        pass  # raised so that it carries a real traceback
    record = logging.LogRecord("dcs_emulator", logging.ERROR, __file__, 1, "file %s\r\n%s", ("a\x1bb", FORGED),
                               (ValueError, error, error.__traceback__))
    lines = formatter.format(record).splitlines()
    assert lines[0].endswith("file a\\x1bb\\x0d\\x0a" + FORGED)
    assert all(line.startswith("    ") for line in lines[1:]), lines
    assert any(line == "    " + FORGED for line in lines)  # still readable, indented: not a record


# -- stored data can never poison reads --

# Every value here passes validation (free-text fields take any string up to their length limit).
HOSTILE_TEXT = [
    "line\nbreak\r\n" + FORGED, "nul\x00byte", "esc\x1b[31mred\x07\x7f", "c1\x85\x9b", "rtl\u202eevil\u2066",
    "sep\u2028\u2029", "bom\ufeff", "nonchar\uffff\ufdd0", "astral\U0001f600\U0001d11e\U0010ffff",
    "quote\"'`\\", "sql'); DROP TABLE tasks;--", "<script>alert(1)</script>", "%s%n%x{0}{task}", "\t", " ",
    "../../secret-outside.rdb", "z" * 255,
]


def hostile_create(index: int, text: str, bucket: str = "demo-bucket", file_name: str = None) -> dict:
    return create_body(
        task_name="hostile-%d" % index, description=(text * 8)[:1024],
        backup_files={"bucket_name": bucket, "files": [{"file_name": file_name or text, "size": text[:64],
                                                        "update_at": text[:64]}]},
        target_instance={"id": INSTANCE, "password": PASSWORD, "name": text[:255], "db": text[:255],
                         "addrs": text[:255], "ip": text[:255], "port": text[:255]})


def test_hostile_values_that_pass_validation_never_poison_reads(emu, client):
    stored = {}
    # First tasks naming a missing object by the hostile text: they end FAILED with the name in error_message
    # and logs. Then tasks with a real file and the hostile text everywhere else, kept MIGRATING to be stopped.
    failing = [hostile_create(i, text) for i, text in enumerate(HOSTILE_TEXT) if "\x00" not in text and text.strip()]
    stored.update(create_all(emu, failing))
    wait_until(lambda: all(read(emu, TASK + "/" + task_id)["status"] == "FAILED" for task_id in stored))
    emu.admin("POST", "settings", {"min_duration_seconds": 60})
    stored.update(create_all(emu, [hostile_create(100 + i, text, file_name="dump.rdb")
                                   for i, text in enumerate(HOSTILE_TEXT)]))

    listed = read(emu, TASKS, "limit=1000")
    assert listed["count"] == len(stored) and {t["task_id"] for t in listed["migration_tasks"]} == set(stored)
    for item in listed["migration_tasks"]:
        assert item["description"] == stored[item["task_id"]]["description"]
    error_messages = {item["task_id"]: item["error_message"] for item in listed["migration_tasks"]}
    for task_id, body in stored.items():
        shown = read(emu, TASK + "/" + task_id)
        assert shown["description"] == body["description"]
        assert shown["backup_files"]["files"] == body["backup_files"]["files"]
        assert shown["target_instance"]["db"] == body["target_instance"]["db"]
        # echoed as sent, as the vendor's show example does (fidelity point show_passwords, documented reading)
        assert shown["target_instance"]["password"] == PASSWORD
        if shown["status"] == "FAILED":  # the hostile file name came back in the list's message, as stored
            assert body["backup_files"]["files"][0]["file_name"] in error_messages[task_id], error_messages[task_id]
        read(emu, TASK + "/%s/stats" % task_id)
        for entry in read(emu, TASK + "/%s/logs" % task_id, "limit=1000")["migration_logs"]:
            assert isinstance(entry["message"], str)
        assert send(emu, "GET", TASKS, query="name=hostile-%s" % task_id[:3]).status_code == 200

    migrating = [t for t, body in stored.items() if body["backup_files"]["files"][0]["file_name"] == "dump.rdb"]
    assert read(emu, TASK + "/%s/stop" % migrating[0], method="POST")["status"] in ("TERMINATING", "TERMINATED")
    stopped = read(emu, TASK + "/batch-stop", method="POST", body={"migration_tasks": list(stored)})
    assert {r["task_id"] for r in stopped["migration_tasks"]} == set(stored)
    assert read(emu, TASKS, "limit=1000")["count"] == len(stored)  # the list keeps working between the calls
    deleted = read(emu, TASKS + "/delete", method="DELETE", body={"task_id_list": list(stored)})
    assert deleted["task_id_list"] == list(stored)
    assert read(emu, TASKS)["count"] == 0
    assert client.list_migration_task(ListMigrationTaskRequest()).count == 0  # and the SDK reads it too


def create_all(emu, bodies: list) -> dict:
    created = {}
    for body in bodies:
        answer = send(emu, "POST", TASK, raw_json(body))
        assert answer.status_code == 200, (body, answer.text)
        created[answer.json()["id"]] = body
    return created


def read(emu, path: str, query: str = "", method: str = "GET", body=None) -> dict:
    """A signed call that must answer 200 with UTF-8 JSON."""
    answer = send(emu, method, path, None if body is None else raw_json(body), query=query)
    assert answer.status_code == 200, (method, path, answer.text)
    return json.loads(answer.content.decode("utf-8"))


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
