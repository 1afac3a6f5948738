# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults on every call the module makes: it recovers within its retry budget and fails cleanly beyond it.

For each call (IAM project lookup, list, show instance, create, show, delete) and each fault kind (HTTP 429
``APIGW.0308``, 500, 502, 503, latency beyond ``api_timeout``, dropped connection) the emulator answers the
next N matching requests with the fault. ``retries`` bounds the attempts: with N = retries the module
succeeds on its last attempt; with N = retries + 1 it fails with one line naming the call, and the emulator's
counter shows exactly retries + 1 attempts (no more: the budget holds; no fewer: every retry was made).

Latency is injected BEFORE processing: the service carries a delayed request out after the client gave up.
That is harmless for reads; a delayed delete is seen done by the lookup before the next retry (the module
succeeds, as it should). A create whose answer never came (latency, drop) is never sent again: the module
looks the name up for api_timeout and, when no task appears, fails saying the outcome is unknown.
Faults on the status calls of a wait do not end the wait (it outlasts outages until wait_timeout).
"""

from __future__ import annotations

import time

import pytest
from dcs_emulator.fidelity import resolve

from conftest import FIDELITY, assert_one_line, succeeded, unique_name

RETRIES = 2
API_TIMEOUT = 1
LATENCY = 2.5  # well beyond api_timeout: each such attempt ends in a read timeout
KINDS = ("429", "500", "502", "503", "latency", "drop")
CALLS = ("iam", "list", "show_instance", "create", "show", "delete")
# What the one-line message says about the last failed attempt.
EXPECTED_TEXT = {
    "429": ("APIGW.0308", "HTTP 429"),
    "500": ("HTTP 500",),
    "502": ("HTTP 502",),
    "503": ("HTTP 503",),
    "latency": ("connection error",),
    "drop": ("connection error",),
}
ACTION_TEXT = {
    "iam": "Failed to look up the project ID of region",
    "list": "Failed to list migration tasks",
    "show_instance": "Failed to show instance",
    "create": "Failed to create migration task",
    "show": "Failed to show migration task",
    "delete": "Failed to delete migration tasks",
}


def scenario(emu, run_module, call: str, name: str) -> dict:
    """Module args whose run makes `call`; for delete, the task to delete is created first (without faults)."""
    base = dict(retries=RETRIES, api_timeout=API_TIMEOUT)
    if call == "iam":
        args = emu.present(name, region=emu.running.region, **base)
        del args["project_id"]
        return args
    if call == "delete":
        created = run_module(emu.present(name))
        assert created["changed"] and succeeded(created["migration_task"]), created
        emu.clear()
        return dict(emu.connection(task_name=name, state="absent", wait_timeout=60), **base)
    return emu.present(name, **base)


# After a create the module lists the name again, right away and after its wait (concurrent creates converge);
# where the list shows whole seconds or minutes (list_created_at), once more after that tick has passed.
LISTS_AFTER_CREATE = 2 if resolve(**FIDELITY).list_created_at == "iso_ms" else 3
# A task that ended RELEASED is listed once more: only the list's error_message says whether it had succeeded.
LIST_AFTER_RELEASED = 1
# A create whose answer never came: sent once, never again (see test_no_duplicates.py).
LOST_CREATE = (("create", "latency"), ("create", "drop"))


def matrix():
    for call in CALLS:
        for kind in KINDS:
            yield pytest.param(call, kind, id="%s-%s" % (call, kind))


def assert_lost_create_not_sent_again(emu, result, name, kind):
    """One create reached the service; the module failed saying the outcome is unknown; a delayed one lands later."""
    assert result.failed and result.returncode == 1
    assert_one_line(result["msg"])
    assert result["msg"].startswith(ACTION_TEXT["create"]) and "whether it was created is unknown" in result["msg"]
    assert attempts_at_the_emulator(emu, "create", kind) == 1
    assert len(emu.tasks_named(name)) == (1 if kind == "latency" else 0)


@pytest.fixture(autouse=True)
def delayed_requests_land_in_their_own_test(request):
    """A latency fault keeps requests in flight after the module gave up: let them reach the emulator before
    the next test resets its counters, else they are counted there (seen as 4 creates where 3 were sent)."""
    yield
    params = getattr(request.node, "callspec", None)
    if params is not None and params.params.get("kind") == "latency":
        time.sleep(LATENCY + 0.5)


def inject(emu, call: str, kind: str, count: int) -> None:
    emu.fault(call, kind, count=count, seconds=LATENCY)


def attempts_at_the_emulator(emu, call: str, kind: str) -> int:
    """The emulator counts a request when it has answered it: a delayed one only after its latency."""
    if kind == "latency":
        time.sleep(LATENCY + 0.5)
    return emu.count(call)


@pytest.mark.parametrize("call, kind", list(matrix()))
def test_recovers_when_the_faults_stop_within_the_budget(emu, run_module, call, kind):
    name = unique_name("fault-ok-%s-%s" % (call.replace("_", "-"), kind))
    args = scenario(emu, run_module, call, name)
    inject(emu, call, kind, count=RETRIES)

    result = run_module(args)

    if (call, kind) in LOST_CREATE:
        assert_lost_create_not_sent_again(emu, result, name, kind)
        return
    assert not result.failed, result.get("msg")
    assert result["changed"] is True
    assert emu.faults() == []  # every injected fault was met
    attempts = attempts_at_the_emulator(emu, call, kind)
    if call == "show":
        assert attempts >= RETRIES + 1  # the waiter may poll again after the faults
    elif (call, kind) == ("delete", "latency"):
        assert 1 < attempts <= RETRIES + 1  # a delayed delete may be seen done before the last retry
    elif call == "list":
        released = result["migration_task"]["status"] == "RELEASED"
        assert attempts == RETRIES + 1 + LISTS_AFTER_CREATE + (LIST_AFTER_RELEASED if released else 0)
    else:
        assert attempts == RETRIES + 1
    if call == "delete":
        assert result["task_ids"] and emu.tasks_named(name) == []
    else:
        assert succeeded(result["migration_task"])
        assert [task.task_id for task in emu.tasks_named(name)] == [result["task_id"]]


@pytest.mark.parametrize("call, kind", list(matrix()))
def test_fails_with_one_line_when_the_faults_outlast_the_budget(emu, run_module, call, kind):
    name = unique_name("fault-ko-%s-%s" % (call.replace("_", "-"), kind))
    args = scenario(emu, run_module, call, name)
    inject(emu, call, kind, count=RETRIES + 1)

    result = run_module(args)

    if (call, kind) in LOST_CREATE:
        assert_lost_create_not_sent_again(emu, result, name, kind)
        return
    if call == "show":  # inside the wait: polled again until the faults stop, with a warning naming them
        assert not result.failed and result["changed"] is True, result.get("msg")
        assert succeeded(result["migration_task"])
        assert any("the API did not answer" in str(warning) for warning in result.get("warnings", []))
        assert attempts_at_the_emulator(emu, call, kind) > RETRIES + 1 and emu.faults() == []
        return
    if (call, kind) == ("delete", "latency"):
        # The delayed deletes are carried out by the service after the client gave up: the module's lookup
        # before each retry (and after the last one) sees the task gone, which is what was asked.
        assert not result.failed and result["changed"] and emu.tasks_named(name) == [], result.get("msg")
        assert attempts_at_the_emulator(emu, call, kind) <= RETRIES + 1
        return
    assert result.failed and result.returncode == 1
    msg = result["msg"]
    assert_one_line(msg)
    assert msg.startswith(ACTION_TEXT[call]), msg
    assert "after %d attempts" % (RETRIES + 1) in msg
    for text in EXPECTED_TEXT[kind]:
        assert text in msg
    assert attempts_at_the_emulator(emu, call, kind) == RETRIES + 1  # the budget, exactly
    assert emu.faults() == []
    if kind in EXPECTED_TEXT and kind.isdigit():
        assert result["status_code"] == int(kind) and result["request_id"]
    tasks = emu.tasks_named(name)
    if call in ("iam", "list", "show_instance", "create"):
        assert tasks == [] and "task_id" not in result and result.get("changed") in (None, False)
    else:  # delete never happened: the task is still there
        assert len(tasks) == 1
