# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""online_migration_task against real emulators and a real source Redis started by the test.

- Concurrent runs: 10 module processes at once with one task_name (a full migration): exactly one task
  remains, every run reports its ID, the target then holds exactly what the source holds.
- An outage: the emulator is stopped for about 10 s during the full sync of an incremental migration and
  started again on the same port and data; the run ends steady (INCRMIGRATING) with a warning naming the
  outage. The emulator keeps passwords in memory only (a restart fails a task whose source needs one), so
  this source has no password.
- A lost create answer: the create is sent once; the task is adopted (answer delayed after processing) or
  the module says the outcome is unknown (request carried out late), and a re-run configures that task.
- Secrets: a playbook at -vvvv: neither the source's nor the target's password appears in any output.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import (BUCKET, ONLINE_MODULE, REDIS_PASSWORD, Emulator, assert_one_line, launch_emulator,
                      redis_contents, unique_name)
from dcs_emulator.importer.servers import ManagedServer
from dcs_emulator.launcher import start, stop
from dcs_emulator.samples import preferred_binary
from dcs_emulator.testing import sample_config
from test_secrets import PASSWORD, SOURCE_PASSWORD, assert_no_marker, emulator_outputs

FORKS = 10
NETWORK = dict(vpc_id="rel-vpc-1", subnet_id="rel-subnet-1", security_group_id="rel-sg-1")


def start_source(directory: Path, password, fill) -> ManagedServer:
    """A real source Redis on 127.0.0.1 that streams its snapshot at once, filled by fill(client, db)."""
    server = ManagedServer(directory, password=password, binary=preferred_binary(), label="source server")
    server.start()
    for db in (0, 1):
        client = server.client(db=db)
        try:
            client.config_set("repl-diskless-sync-delay", 0)
            fill(client, db)
        finally:
            client.close()
    return server


def every_type(client, db: int) -> None:
    """A few keys of every type, some with a TTL."""
    pipe = client.pipeline(transaction=False)
    for index in range(50):
        prefix = "rel:%d:%d" % (db, index)
        pipe.set(prefix + ":s", "value-%d" % index)
        pipe.hset(prefix + ":h", mapping={"a": index, "b": "x" * index})
        pipe.rpush(prefix + ":l", *range(index + 1))
        pipe.sadd(prefix + ":set", *("m%d" % i for i in range(index + 1)))
        pipe.zadd(prefix + ":z", {"m%d" % i: i for i in range(index + 1)})
        pipe.set(prefix + ":ttl", "expires", ex=3600)
    pipe.execute()


def random_megabytes(megabytes: int):
    def fill(client, db: int) -> None:
        if db:
            return
        generator = random.Random(7)
        for index in range(megabytes * 4):  # 256 KiB values, incompressible
            client.set("big:%d" % index, generator.randbytes(256 * 1024))
    return fill


def online_args(emu_connection: dict, name: str, source, target_id: str, source_password=None, **overrides) -> dict:
    args = dict(emu_connection, task_name=name, migration_method="full_amount_migration",
                source_instance=dict(addrs="%s:%d" % (source.host, source.port)),
                target_instance=dict(id=target_id, password=REDIS_PASSWORD), wait_timeout=120, **NETWORK)
    if source_password:
        args["source_instance"]["password"] = source_password
    args.update(overrides)
    return args


@pytest.fixture(scope="module")
def online_emulator(tmp_path_factory, bucket_dir):
    instances = [{"name": name, "password": REDIS_PASSWORD}
                 for name in ("dcs-rel-main", "dcs-online-race", "dcs-online-lost", "dcs-online-late",
                              "dcs-online-restart")]
    with launch_emulator(tmp_path_factory, bucket_dir, "online-emulator", instances=instances,
                         server_binary=preferred_binary().path) as running:
        emu = Emulator(running)
        emu.clear()
        yield emu


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    server = start_source(tmp_path_factory.mktemp("online-source"), SOURCE_PASSWORD, every_type)
    yield server
    server.stop(save=False)


def target_contents(emu, instance_name: str) -> dict:
    host, port = emu.running.redis_address(emu.running.instance(instance_name)["id"])
    return redis_contents(host, port, REDIS_PASSWORD, dbs=range(4))


def test_concurrent_runs_on_one_name_leave_one_task(online_emulator, source, start_module, measure):
    emu = online_emulator
    name = unique_name("online-race")
    args = online_args(emu.connection(), name, source, emu.running.instance("dcs-online-race")["id"],
                       source_password=SOURCE_PASSWORD)

    started = time.monotonic()
    processes = [start_module(args, module=ONLINE_MODULE) for _fork in range(FORKS)]
    results = [process.wait() for process in processes]
    measure("online: %d concurrent runs on one name in %.1f s" % (FORKS, time.monotonic() - started))

    assert not [result["msg"] for result in results if result.failed]
    tasks = emu.tasks_named(name)
    assert len(tasks) == 1, [task.task_id for task in tasks]
    assert {result["task_id"] for result in results} == {tasks[0].task_id}
    assert all(result["online_migration_task"]["status"] == "SUCCESS" for result in results)
    # The run whose task survived reports a change; so may one that adopted it before its creator configured it
    # and configured it itself (the creator's configure call is then refused). Runs that gave way or found the
    # task configured (by now) report none.
    changed = [result for result in results if result["changed"]]
    assert 1 <= len(changed) <= 2, [result.get("warnings") for result in changed]
    source_data = redis_contents(source.host, source.port, SOURCE_PASSWORD, dbs=range(4))
    assert len(source_data) == 2 * 50 * 6 and target_contents(emu, "dcs-online-race") == source_data


def test_a_wait_for_steady_replication_outlasts_an_api_outage(tmp_path_factory, bucket_dir, tmp_path, start_module,
                                                              measure):
    """Stopped for 10 s during the full sync (bandwidth_limit_mb 1: 8 MB take 8 s) and started again."""
    plain_source = start_source(tmp_path / "source", None, random_megabytes(8))
    config = sample_config(bucket_dir, bucket=BUCKET, admin=True, server_binary=preferred_binary().path,
                           instances=[{"name": "dcs-rel-main", "password": REDIS_PASSWORD}])
    workdir = tmp_path_factory.mktemp("online-outage")
    running = start(config, workdir, data_dir=workdir / "data")
    try:
        emu = Emulator(running)
        name = unique_name("online-outage")
        started = time.monotonic()
        module = start_module(online_args(emu.connection(), name, plain_source, emu.instance_id, retries=1,
                                          api_timeout=5, migration_method="incremental_migration",
                                          bandwidth_limit_mb=1, resume_mode="auto"), module=ONLINE_MODULE)
        deadline = time.monotonic() + 30
        while not [task for task in emu.tasks_named(name) if task.status == "FULLMIGRATING"]:
            assert time.monotonic() < deadline and module.process.poll() is None
            time.sleep(0.1)
        time.sleep(1)
        stop(running)
        time.sleep(10)
        running = start(config, workdir, data_dir=workdir / "data", port=running.port)

        result = module.wait()
        measure("online: wait for steady replication through a 10 s outage in %.1f s" % (time.monotonic() - started))
        source_data = redis_contents(plain_source.host, plain_source.port, None, dbs=range(1))
        host, port = running.redis_address(emu.instance_id)
        target_data = redis_contents(host, port, REDIS_PASSWORD, dbs=range(1))
    finally:
        stop(running)
        plain_source.stop(save=False)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True and result["online_migration_task"]["status"] == "INCRMIGRATING"
    warnings = [str(warning) for warning in result.get("warnings", []) if "did not answer" in str(warning)]
    assert len(warnings) == 1 and "failed poll" in warnings[0], result.get("warnings")
    seconds = float(warnings[0].split("did not answer for ")[1].split(" s ")[0])
    assert 5 <= seconds <= 40
    assert len(source_data) == 32 and target_data == source_data


def test_a_create_answered_late_is_adopted_not_sent_again(online_emulator, source, run_module):
    emu = online_emulator
    emu.clear()
    name = unique_name("online-lost")
    emu.fault("create_online", "latency", count=1, when="after", seconds=2.5)

    result = run_module(online_args(emu.connection(), name, source, emu.running.instance("dcs-online-lost")["id"],
                                    source_password=SOURCE_PASSWORD, retries=2, api_timeout=1), module=ONLINE_MODULE)

    time.sleep(2)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True and result["online_migration_task"]["status"] == "SUCCESS"
    assert [task.task_id for task in emu.tasks_named(name)] == [result["task_id"]]
    assert emu.count("create_online") == 1 and emu.count("configure_online") == 1
    emu.clear()


def test_a_create_carried_out_late_is_not_sent_again_and_a_rerun_configures_it(online_emulator, source, run_module):
    emu = online_emulator
    emu.clear()
    name = unique_name("online-late")
    emu.fault("create_online", "latency", count=1, when="before", seconds=4)
    args = online_args(emu.connection(), name, source, emu.running.instance("dcs-online-late")["id"],
                       source_password=SOURCE_PASSWORD, retries=2, api_timeout=1)

    result = run_module(args, module=ONLINE_MODULE)

    time.sleep(4.5)
    assert result.failed
    assert_one_line(result["msg"])
    assert "whether it was created is unknown" in result["msg"]
    assert "Running the same task again is safe" in result["msg"]
    assert emu.count("create_online") == 1 and emu.count("configure_online") == 0
    tasks = emu.tasks_named(name)
    assert len(tasks) == 1
    again = run_module(args, module=ONLINE_MODULE)
    assert not again.failed, again.get("msg")
    assert again["changed"] is True and again["task_id"] == tasks[0].task_id
    assert again["online_migration_task"]["status"] == "SUCCESS"
    assert emu.count("create_online") == 1 and len(emu.tasks_named(name)) == 1
    emu.clear()


def test_a_failed_task_restarted_is_not_taken_for_failed_again(online_emulator, source, run_module):
    """The wait after state=restarted must not read the task's earlier FAILED as the restart's outcome."""
    emu = online_emulator
    name = unique_name("online-restart")
    target_id = emu.running.instance("dcs-online-restart")["id"]
    args = online_args(emu.connection(), name, source, target_id, source_password=SOURCE_PASSWORD,
                       migration_method="incremental_migration", resume_mode="manual")
    steady = run_module(args, module=ONLINE_MODULE)
    assert not steady.failed and steady["online_migration_task"]["status"] == "INCRMIGRATING", steady.get("msg")
    killer = source.client()
    try:
        killer.client_kill_filter(_type="replica")  # resume_mode manual: the broken link fails the task
    finally:
        killer.close()
    deadline = time.monotonic() + 30
    while emu.tasks_named(name)[0].status != "FAILED":
        assert time.monotonic() < deadline, emu.tasks_named(name)[0].status
        time.sleep(0.1)

    restarted = run_module(dict(args, state="restarted"), module=ONLINE_MODULE)

    assert not restarted.failed, restarted.get("msg")
    assert restarted["changed"] is True and restarted["online_migration_task"]["status"] == "INCRMIGRATING"
    assert restarted["task_id"] == steady["task_id"]
    removed = run_module(dict(args, state="absent"), module=ONLINE_MODULE)
    assert removed["changed"] is True and emu.tasks_named(name) == []


PLAYBOOK = textwrap.dedent('''\
    - name: Online migration secrets never show
      hosts: localhost
      gather_facts: false
      module_defaults:
        hwcloud.dcs.online_migration_task:
          endpoint: "{{ dcs_endpoint }}"
          access_key: "{{ dcs_access_key }}"
          secret_key: "{{ dcs_secret_key }}"
          project_id: "{{ dcs_project_id }}"
          vpc_id: rel-vpc-1
          subnet_id: rel-subnet-1
          security_group_id: rel-sg-1
          migration_method: full_amount_migration
          target_instance:
            id: "{{ instance_id }}"
            password: "{{ target_password }}"
          wait_timeout: 120
      tasks:
        - name: Migrate the source
          hwcloud.dcs.online_migration_task:
            task_name: "{{ run_id }}-ok"
            source_instance:
              addrs: "{{ source_addrs }}"
              password: "{{ source_password }}"
          register: migrated

        - name: The same again
          hwcloud.dcs.online_migration_task:
            task_name: "{{ run_id }}-ok"
            source_instance:
              addrs: "{{ source_addrs }}"
              password: "{{ source_password }}"
          register: again

        - name: A wrong source password (the task fails)
          hwcloud.dcs.online_migration_task:
            task_name: "{{ run_id }}-wrong"
            source_instance:
              addrs: "{{ source_addrs }}"
              password: "{{ target_password }}"
          register: wrong
          ignore_errors: true

        - name: Remove the tasks
          hwcloud.dcs.online_migration_task:
            task_name: "{{ item }}"
            state: absent
          loop: ["{{ run_id }}-ok", "{{ run_id }}-wrong"]
          register: removed

        - name: Keep the registered results
          ansible.builtin.copy:
            content: "{{ {'migrated': migrated, 'again': again, 'wrong': wrong, 'removed': removed} | to_nice_json }}"
            dest: "{{ results_file }}"
            mode: "0600"
    ''')


def test_no_password_in_any_output(tmp_path_factory, bucket_dir, tmp_path, collection_root):
    """The target's password is test_secrets' PASSWORD marker and the source's its SOURCE_PASSWORD marker."""
    secret_source = start_source(tmp_path / "source", SOURCE_PASSWORD, every_type)
    instances = [{"name": "dcs-online-secrets", "password": PASSWORD}]
    try:
        with launch_emulator(tmp_path_factory, bucket_dir, "online-secrets", instances=instances,
                             server_binary=preferred_binary().path) as running:
            run_id = "onlsec-%s" % uuid.uuid4().hex[:8]
            extra_vars = dict(dcs_endpoint=running.url, dcs_access_key=running.access_key,
                              dcs_secret_key=running.secret_key, dcs_project_id=running.project_id,
                              instance_id=running.instances[0]["id"], target_password=PASSWORD,
                              source_password=SOURCE_PASSWORD, run_id=run_id,
                              source_addrs="%s:%d" % (secret_source.host, secret_source.port),
                              results_file=str(tmp_path / "results.json"))
            outputs = run_verbose_playbook(collection_root, tmp_path / "run", extra_vars)
            assert_no_marker(emulator_outputs(running))
    finally:
        secret_source.stop(save=False)

    assert outputs["returncode"] == 0, outputs["stdout"][-3000:]
    results = json.loads(outputs["results.json"])
    migrated = results["migrated"]
    assert migrated["changed"] is True and migrated["online_migration_task"]["status"] == "SUCCESS"
    assert results["again"]["changed"] is False
    assert results["wrong"]["failed"] and "refused the password" in results["wrong"]["msg"]
    assert all(item["changed"] for item in results["removed"]["results"])
    assert_no_marker(outputs)


def run_verbose_playbook(collection_root: Path, workdir: Path, extra_vars: dict) -> dict:
    """ansible-playbook -vvvv --diff with a log file; {channel: text} of everything it wrote."""
    workdir.mkdir(parents=True)
    (workdir / "playbook.yml").write_text(PLAYBOOK, encoding="utf-8")
    extra_vars = dict(extra_vars, results_file=str(workdir / "results.json"))
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root), ANSIBLE_LOG_PATH=str(workdir / "ansible.log"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"))
    env.pop("ANSIBLE_DEBUG", None)
    process = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-vvvv", "--diff",
                              "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable,
                              "-e", "@%s" % vars_file, str(workdir / "playbook.yml")],
                             capture_output=True, text=True, env=env, cwd=str(workdir), timeout=600, check=False)
    vars_file.unlink()  # the input holds the secrets; everything left in workdir is output
    outputs = {"returncode": process.returncode, "stdout": process.stdout, "stderr": process.stderr}
    for path in sorted(workdir.rglob("*")):
        if path.is_file():
            outputs[str(path.relative_to(workdir))] = path.read_text(encoding="utf-8", errors="replace")
    return outputs
