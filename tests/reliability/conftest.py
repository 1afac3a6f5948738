# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability and security suites: real module processes, real playbooks and the SDK against a real emulator.

Nothing here is mocked. The module runs as its own Python process (``python -m ansible_collections...``
with an args file, exactly the code Ansible ships to a host) or through ``ansible-playbook``; the emulator
is ``dcs-emulator serve`` started by ``dcs_emulator.launcher`` with the admin API on, so tests inject faults
and read the per-operation request counters that prove how many calls reached the service.

The emulators that the module talks to run the fidelity set named by ``DCS_FIDELITY`` (``documented`` when
unset, ``opposite``, ``random`` or ``random:SEED``; docs/emulator.md, "Fidelity"): ``make reliability`` runs
these tests under the documented set and again under the opposite one. A random set gets its seed once, in
the controlling process, so that every xdist worker runs the same set; the summary prints it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from huaweicloudsdkdcs.v2 import DcsClient, ListMigrationTaskRequest

from dcs_emulator.fidelity import section_from_text
from dcs_emulator.samples import write_sample_backup
from dcs_emulator.testing import launch, operation_route, sample_config, sdk_client

REPO = Path(__file__).resolve().parents[2]
MODULE = "ansible_collections.hwcloud.dcs.plugins.modules.migration_task"
ONLINE_MODULE = "ansible_collections.hwcloud.dcs.plugins.modules.online_migration_task"
BUCKET = "dcs-rel-backups"
BACKUP = "tiny.rdb"
# Markers: unique strings whose appearance anywhere is a leak (see test_secrets.py).
REDIS_PASSWORD = "Redis-pw-MARKER-5d1c9e07a3"
# The calls the migration_task module makes, by the emulator's operation names (its routes give the fault rules).
CALLS = {
    "iam": "keystone_list_projects",
    "list": "list_migration_task",
    "show_instance": "show_instance",
    "create": "create_migration_task",
    "show": "show_migration_task",
    "delete": "delete_migration_task",
    # online_migration_task's own calls
    "create_online": "create_online_migration_task",
    "configure_online": "set_online_migration_task",
}


def _fidelity_set() -> str:
    """DCS_FIDELITY, with the seed of a random set drawn here once (xdist workers inherit the environment)."""
    chosen = os.environ.get("DCS_FIDELITY") or "documented"
    if chosen == "random":
        chosen = "random:%d" % (int.from_bytes(os.urandom(4), "big") >> 1)
        os.environ["DCS_FIDELITY"] = chosen
    return chosen


FIDELITY_SET = _fidelity_set()
# The fidelity: section of every emulator the module is run against.
FIDELITY = section_from_text(FIDELITY_SET)


@pytest.fixture
def measure(record_property):
    """measure("load: ... in 12.3 s"): a line for the run's summary (also from xdist workers, via the report)."""
    def add(line: str) -> None:
        record_property("measurement", line)
    return add


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line("reliability: emulator fidelity set %s" % FIDELITY_SET)
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key == "measurement" and getattr(report, "when", "call") == "call":
                    terminalreporter.write_line("reliability: %s" % value)


def unique_name(prefix: str) -> str:
    """A valid DCS task name (letter first, 4-64 of letters, digits, - and _), unique per call."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


@pytest.fixture(scope="session")
def collection_root(tmp_path_factory) -> Path:
    """A directory holding ansible_collections/hwcloud/dcs -> the repo (PYTHONPATH / ANSIBLE_COLLECTIONS_PATH)."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "hwcloud"
    namespace.mkdir(parents=True)
    (namespace / "dcs").symlink_to(REPO, target_is_directory=True)
    return root


@pytest.fixture(scope="session")
def bucket_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("bucket")
    write_sample_backup(directory / BACKUP, keys=4, dbs=1, prefix="rel:", seed=1)
    return directory


class Emulator:
    """A running emulator plus what the tests need from it: faults, counters, the SDK's view of tasks."""

    def __init__(self, running):
        self.running = running
        self.url = running.url
        self.admin = running.admin
        self.instance_id = running.instance("dcs-rel-main")["id"]
        self._client = None

    def connection(self, **overrides) -> dict:
        args = dict(endpoint=self.url, access_key=self.running.access_key, secret_key=self.running.secret_key,
                    project_id=self.running.project_id)
        args.update(overrides)
        return args

    def present(self, name: str, **overrides) -> dict:
        """Module args that create a task importing the tiny backup into the main instance."""
        args = self.connection(task_name=name, backup_files=dict(bucket_name=BUCKET, files=[dict(file_name=BACKUP)]),
                               target_instance=dict(id=self.instance_id, password=REDIS_PASSWORD), wait_timeout=120)
        args.update(overrides)
        return args

    def fault(self, call: str, kind: str, count: int, when: str = "before", seconds: float = 0.0) -> dict:
        method, path = operation_route(CALLS[call])
        spec = dict(method=method, path=path, count=count, when=when)
        if kind == "latency":
            spec.update(kind="latency", seconds=seconds)
        elif kind == "drop":
            spec.update(kind="drop")
        else:
            spec.update(kind="status", status=int(kind))
        return self.admin.add_fault(**spec)

    def faults(self) -> list:
        return self.admin.call("GET", "faults")["faults"]

    def clear(self) -> None:
        self.admin.clear_faults()
        self.admin.call("POST", "stats/reset")

    def counts(self) -> dict:
        return self.admin.call("GET", "stats")["operations"]

    def count(self, call: str) -> int:
        return self.counts().get(CALLS[call], 0)

    @property
    def client(self) -> DcsClient:
        if self._client is None:
            self._client = sdk_client(self.url, self.running.access_key, self.running.secret_key,
                                      self.running.project_id, timeout=(10, 30))
        return self._client

    def tasks_named(self, name: str) -> list:
        """Every live task with exactly this name, as the SDK lists them (the list is the truth)."""
        listed = self.client.list_migration_task(ListMigrationTaskRequest(name=name, limit=1000))
        return [task for task in listed.migration_tasks or [] if task.task_name == name]


def launch_emulator(tmp_path_factory, bucket_dir: Path, label: str,
                    instances=({"name": "dcs-rel-main", "password": REDIS_PASSWORD},), **sample_options):
    """An emulator (admin API on) serving the bucket to ``instances``, for a fixture: ``with launch_emulator(...)``.

    ``sample_options`` go to ``sample_config`` (``secret_key`` ...); the fidelity set is DCS_FIDELITY's.
    """
    config = sample_config(bucket_dir, bucket=BUCKET, admin=True, instances=list(instances), fidelity=FIDELITY,
                           **sample_options)
    workdir = tmp_path_factory.mktemp(label)
    return launch(config, workdir, data_dir=workdir / "data")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory, bucket_dir):
    """One emulator per test process (each xdist worker has its own); tests use unique task names."""
    with launch_emulator(tmp_path_factory, bucket_dir, "emulator") as running:
        yield Emulator(running)


@pytest.fixture
def emu(emulator):
    """The shared emulator with no fault rule and zeroed counters, before and after the test."""
    emulator.clear()
    yield emulator
    emulator.clear()


class ModuleRun(dict):
    """The module's JSON result plus its raw output and how long it took."""

    def __init__(self, result: dict, stdout: str, stderr: str, seconds: float, returncode: int):
        super().__init__(result)
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.returncode = returncode

    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))


class ModuleProcess:
    """A migration_task process started by start_module(); wait() returns its ModuleRun."""

    def __init__(self, command, env, args_file):
        self.args_file = args_file
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # pylint: disable=consider-using-with
                                        text=True, env=env)

    def wait(self, timeout: float = 600) -> ModuleRun:
        stdout, stderr = self.process.communicate(timeout=timeout)
        seconds = time.monotonic() - self.started
        self.args_file.unlink()
        assert "Traceback" not in stdout + stderr, stdout + stderr
        try:
            result = json.loads(stdout)
        except ValueError:
            raise AssertionError("the module printed no JSON result: %r %r" % (stdout, stderr)) from None
        return ModuleRun(result, stdout, stderr, seconds, self.process.returncode)


@pytest.fixture
def start_module(collection_root, tmp_path):
    """Start migration_task (or ``module``) as its own process (as Ansible runs it on a host)."""
    counter = [0]

    def start(args: dict, check_mode: bool = False, diff: bool = False, env: dict = None,
              module: str = MODULE) -> ModuleProcess:
        counter[0] += 1
        full = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        args_file = tmp_path / ("args-%d.json" % counter[0])
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": full}), encoding="utf-8")
        process_env = dict(os.environ, PYTHONPATH=str(collection_root))
        process_env.update(env or {})
        return ModuleProcess([sys.executable, "-m", module, str(args_file)], process_env, args_file)
    return start


@pytest.fixture
def run_module(start_module):
    """Run migration_task as its own process and return its result."""
    def run(args: dict, **kwargs) -> ModuleRun:
        return start_module(args, **kwargs).wait()
    return run


def succeeded(task: dict) -> bool:
    """A successful final status as a user sees it: SUCCESS, or RELEASED (the helper VM released after a
    success; the documents allow it at once) without an error message."""
    return task["status"] == "SUCCESS" or (task["status"] == "RELEASED" and not task.get("error_message"))


# "ended FAILED" or "ended MIGRATION_FAILED" (fidelity point failed_status) in the module's message.
ENDED_FAILED = re.compile(r"ended (MIGRATION_)?FAILED")


def redis_contents(host: str, port: int, password: str, dbs=range(16)) -> dict:
    """(db, key) -> (type, DUMP without its trailer) of every key a Redis server holds, db by db."""
    held = {}
    for db in dbs:
        client = redis.Redis(host=host, port=port, db=db, password=password, socket_timeout=30)
        try:
            for key in client.scan_iter(count=1000):
                held[(db, key)] = (client.type(key), client.dump(key)[:-10])
        finally:
            client.close()
    return held


def assert_one_line(msg: str) -> None:
    assert msg and "\n" not in msg and "\r" not in msg, repr(msg)
