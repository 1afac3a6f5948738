# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No duplicate tasks: the create call's answer is lost AFTER the service created the task, at every position.

The emulator processes the create for real (``when: after``) and then drops the connection, delays the
answer past ``api_timeout`` or replaces it with an error; the follow-up calls (the lookup by name, the
waiter's show) may fail too. Whatever happens, exactly one task with the name exists afterwards, the
create call reached the service once when the first attempt created the task, and a re-run finds it.
"""

from __future__ import annotations

import time

import pytest

from conftest import BACKUP, BUCKET, ENDED_FAILED, assert_one_line, succeeded, unique_name

RETRIES = 2
API_TIMEOUT = 1
LATENCY = 2.5

# (id, faults: [(call, kind, count, when)]). The first fault always hits the create call after processing.
POSITIONS = [
    ("create-answer-dropped", [("create", "drop", 1, "after")]),
    ("create-answer-delayed-past-api-timeout", [("create", "latency", 1, "after")]),
    ("create-answer-429", [("create", "429", 1, "after")]),
    ("create-answer-500", [("create", "500", 1, "after")]),
    ("create-answer-502", [("create", "502", 1, "after")]),
    ("create-answer-503", [("create", "503", 1, "after")]),
    ("create-dropped-and-lookup-throttled", [("create", "drop", 1, "after"), ("list", "429", 1, "before")]),
    ("create-dropped-and-lookup-dropped", [("create", "drop", 1, "after"), ("list", "drop", 1, "before")]),
    ("create-delayed-and-lookup-delayed", [("create", "latency", 1, "after"), ("list", "latency", 1, "before")]),
    ("create-dropped-and-lookup-answer-dropped", [("create", "drop", 1, "after"), ("list", "drop", 1, "after")]),
    ("create-dropped-and-first-show-dropped", [("create", "drop", 1, "after"), ("show", "drop", 1, "after")]),
    ("create-delayed-and-show-503", [("create", "latency", 1, "after"), ("show", "503", 2, "before")]),
]


def inject(emu, faults) -> None:
    for call, kind, count, when in faults:
        emu.fault(call, kind, count=count, when=when, seconds=LATENCY)


def settle(faults) -> None:
    """Let delayed requests reach their end before the emulator is asked what exists."""
    if any(kind == "latency" for _call, kind, _count, _when in faults):
        time.sleep(LATENCY + 0.5)


@pytest.mark.parametrize("faults", [pytest.param(faults, id=name) for name, faults in POSITIONS])
def test_one_task_whatever_answer_is_lost(emu, run_module, faults):
    name = unique_name("nodup")
    inject(emu, faults)

    result = run_module(emu.present(name, retries=RETRIES, api_timeout=API_TIMEOUT))

    settle(faults)
    assert not result.failed, result.get("msg")
    tasks = emu.tasks_named(name)
    assert [task.task_id for task in tasks] == [result["task_id"]]
    assert emu.count("create") == 1  # found by name: never re-sent
    assert result["changed"] is True and succeeded(result["migration_task"])
    assert emu.faults() == []

    again = run_module(emu.present(name))
    assert again["changed"] is False and again["task_id"] == result["task_id"]
    assert len(emu.tasks_named(name)) == 1


def test_create_answer_lost_and_every_lookup_fails(emu, run_module, start_module):
    """Every look-up fails: the module fails (one line, the outcome unknown), creates nothing more, a re-run finds the task.

    The list faults must hit the lookup, not the first list call: they are injected once the task exists,
    while the module still waits for the create answer (delayed past api_timeout).
    """
    name = unique_name("nodup-lookup-down")
    emu.fault("create", "latency", count=1, when="after", seconds=LATENCY)
    running = start_module(emu.present(name, retries=RETRIES, api_timeout=API_TIMEOUT))
    deadline = time.monotonic() + 30
    while not emu.tasks_named(name):
        assert time.monotonic() < deadline and running.process.poll() is None
        time.sleep(0.02)
    emu.fault("list", "503", count=100)  # every look-up of the settle window fails

    result = running.wait()

    assert result.failed
    assert_one_line(result["msg"])
    assert result["msg"].startswith("Failed to create migration task") and "whether it was created is unknown" in result["msg"]
    assert "while looking it up, the API did not answer" in result["msg"] and "HTTP 503" in result["msg"]
    settle([("create", "latency", 1, "after")])
    emu.admin.clear_faults()
    assert len(emu.tasks_named(name)) == 1 and emu.count("create") == 1

    again = run_module(emu.present(name))
    assert not again.failed and again["changed"] is False
    assert [task.task_id for task in emu.tasks_named(name)] == [again["task_id"]]


def test_create_dropped_before_processing_is_not_sent_again_blindly(emu, run_module):
    """The counter-case: a drop BEFORE processing created nothing, but the module cannot know: it looks the name up
    for api_timeout, fails saying the outcome is unknown, and the re-run it recommends creates the task."""
    name = unique_name("nodup-before")
    inject(emu, [("create", "drop", 1, "before")])

    result = run_module(emu.present(name, retries=RETRIES, api_timeout=API_TIMEOUT))

    assert result.failed and "whether it was created is unknown" in result["msg"]
    assert_one_line(result["msg"])
    assert emu.tasks_named(name) == [] and emu.count("create") == 1
    again = run_module(emu.present(name))
    assert not again.failed and again["changed"] is True
    assert [task.task_id for task in emu.tasks_named(name)] == [again["task_id"]]


def test_retry_failed_replacement_answer_dropped(emu, run_module):
    """retry_failed deletes the FAILED task and creates a new one whose answer is lost: one task, the new one."""
    name = unique_name("nodup-retry")
    broken = emu.present(name, backup_files=dict(bucket_name=BUCKET, files=[dict(file_name="missing.rdb")]))
    failed = run_module(broken)
    assert failed.failed and ENDED_FAILED.search(failed["msg"])
    old_id = failed["task_id"]
    emu.clear()
    inject(emu, [("create", "drop", 1, "after")])

    result = run_module(emu.present(name, retry_failed=True, retries=RETRIES, api_timeout=API_TIMEOUT))

    assert not result.failed, result.get("msg")
    assert result["task_id"] != old_id
    assert [task.task_id for task in emu.tasks_named(name)] == [result["task_id"]]
    assert emu.count("create") == 1 and BACKUP in str(result["migration_task"]["backup_files"])


def test_create_processed_after_the_client_gave_up(emu, run_module):
    """The request reaches the service but is carried out late (latency BEFORE processing, beyond api_timeout).

    The module never re-sends it: it looks the name up for api_timeout and, the task not there yet, fails
    saying the outcome is unknown. The service then creates the task once; a re-run adopts it.
    """
    name = unique_name("nodup-late")
    emu.fault("create", "latency", count=1, when="before", seconds=4)

    result = run_module(emu.present(name, retries=RETRIES, api_timeout=API_TIMEOUT))

    time.sleep(4.5)
    assert result.failed
    assert_one_line(result["msg"])
    assert "whether it was created is unknown" in result["msg"] and "Running the same task again is safe" in result["msg"]
    assert emu.count("create") == 1
    tasks = emu.tasks_named(name)
    assert len(tasks) == 1
    again = run_module(emu.present(name))
    assert not again.failed and again["changed"] is False and again["task_id"] == tasks[0].task_id


def test_create_processed_late_but_within_api_timeout_of_the_lookups_is_adopted(emu, run_module):
    """Carried out 2 s late with api_timeout 1 s: the look-ups after the lost answer (for api_timeout = 3 s) see
    it appear, and the module adopts it as the task it created."""
    name = unique_name("nodup-late-adopted")
    emu.fault("create", "latency", count=1, when="before", seconds=2)

    result = run_module(emu.present(name, retries=RETRIES, api_timeout=3))

    time.sleep(1)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert [task.task_id for task in emu.tasks_named(name)] == [result["task_id"]] and emu.count("create") == 1
