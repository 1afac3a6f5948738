# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exactly one task per name against real emulators: concurrent playbook forks on one name, and waits that
outlast the emulator being stopped and started again.

Concurrency: one play, 10 or 20 hosts (local connections) run at once with the same task_name, as a play with
``delegate_to: localhost`` does. Afterwards exactly one task has the name, every host reports its ID, exactly
one reports a change, and the target instance holds exactly what one import of the backup gives.

Outages: the module waits for a task that runs for a while; the emulator is stopped (its API refuses
connections) for 5, 30 or 60 s in the middle of the wait and started again on the same port and data: the
task resumes and the module ends in SUCCESS with a warning naming the outage. Each case is its own test, so
that ``-n 2`` runs them side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import (BACKUP, BUCKET, REDIS_PASSWORD, Emulator, launch_emulator, redis_contents, succeeded,
                      unique_name)
from dcs_emulator.launcher import start, stop
from dcs_emulator.testing import sample_config

PLAYBOOK = textwrap.dedent('''\
    - name: Every host imports the same backup under the same task name
      hosts: all
      gather_facts: false
      tasks:
        - name: Import the backup
          hwcloud.dcs.migration_task:
            endpoint: "{{ dcs_endpoint }}"
            access_key: "{{ dcs_access_key }}"
            secret_key: "{{ dcs_secret_key }}"
            project_id: "{{ dcs_project_id }}"
            task_name: "{{ task_name }}"
            wait_timeout: 300
            backup_files: "{{ backup }}"
            target_instance: "{{ target }}"
          register: imported

        - name: Keep every host's result
          run_once: true
          ansible.builtin.copy:
            content: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'imported')))
                         | to_json }}"
            dest: "{{ results_file }}"
            mode: "0600"
    ''')


@pytest.fixture(scope="module")
def race_emulator(tmp_path_factory, bucket_dir):
    """An emulator with an empty target per race and a reference instance that imports the backup once."""
    instances = [{"name": name, "password": REDIS_PASSWORD}
                 for name in ("dcs-race-10", "dcs-race-20", "dcs-reference", "dcs-rel-main")]
    with launch_emulator(tmp_path_factory, bucket_dir, "race-emulator", instances=instances) as running:
        yield running


def held_data(running, instance_id: str) -> dict:
    """key -> (type, DUMP without its trailer) of every key the instance holds, db by db."""
    host, port = running.redis_address(instance_id)
    return redis_contents(host, port, REDIS_PASSWORD)


def run_playbook(running, collection_root, tmp_path, forks: int, name: str, instance_id: str) -> dict:
    hosts = ["racer%02d" % index for index in range(forks)]
    (tmp_path / "inventory.ini").write_text("[all]\n" + "".join(
        "%s ansible_connection=local ansible_python_interpreter=%s\n" % (host, sys.executable) for host in hosts),
        encoding="utf-8")
    (tmp_path / "playbook.yml").write_text(PLAYBOOK, encoding="utf-8")
    extra_vars = dict(dcs_endpoint=running.url, dcs_access_key=running.access_key, dcs_secret_key=running.secret_key,
                      dcs_project_id=running.project_id, task_name=name,
                      backup=dict(bucket_name=BUCKET, files=[dict(file_name=BACKUP)]),
                      target=dict(id=instance_id, password=REDIS_PASSWORD), results_file=str(tmp_path / "results.json"))
    (tmp_path / "vars.json").write_text(json.dumps(extra_vars), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root), ANSIBLE_FORKS=str(forks),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_RETRY_FILES_ENABLED="0")
    process = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"),
                              "-e", "@%s" % (tmp_path / "vars.json"), str(tmp_path / "playbook.yml")],
                             capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=900, check=False)
    assert process.returncode == 0, process.stdout[-5000:] + process.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert sorted(results) == hosts
    return results


@pytest.mark.parametrize("forks", [10, 20])
def test_concurrent_forks_on_one_name_converge_on_one_task(race_emulator, collection_root, tmp_path, run_module,
                                                           measure, forks):
    running = race_emulator
    target_id = running.instance("dcs-race-%d" % forks)["id"]
    name = unique_name("race-%d" % forks)

    started = time.monotonic()
    results = run_playbook(running, collection_root, tmp_path, forks, name, target_id)
    measure("exactly one: %d forks on one name in %.1f s" % (forks, time.monotonic() - started))

    emu = Emulator(running)
    tasks = emu.tasks_named(name)
    assert len(tasks) == 1, [task.task_id for task in tasks]
    survivor = tasks[0].task_id
    assert {result["task_id"] for result in results.values()} == {survivor}
    assert all(succeeded(result["migration_task"]) for result in results.values())
    changed = [host for host, result in results.items() if result["changed"]]
    assert len(changed) == 1, changed
    for host, result in results.items():
        if host not in changed:
            assert result.get("duplicate_task_ids", []) or result["changed"] is False
    # The target holds exactly what one import of the backup gives (the reference instance).
    reference = emu.connection(task_name=unique_name("race-reference"),
                               backup_files=dict(bucket_name=BUCKET, files=[dict(file_name=BACKUP)]),
                               target_instance=dict(id=running.instance("dcs-reference")["id"], password=REDIS_PASSWORD))
    once = run_module(reference)
    assert not once.failed, once.get("msg")
    expected = held_data(running, running.instance("dcs-reference")["id"])
    assert expected and held_data(running, target_id) == expected


# -- waits outlast outages -------------------------------------------------------------------------

@pytest.mark.parametrize("outage, wait_timeout, stop_after", [(5, 60, 1.0), (30, 120, 3.0), (60, 180, 12.0)],
                         ids=["5s-in-60s-wait", "30s-in-120s-wait", "60s-in-180s-wait"])
def test_a_wait_outlasts_the_emulator_being_stopped(tmp_path_factory, bucket_dir, start_module, measure,
                                                    outage, wait_timeout, stop_after):
    config = sample_config(bucket_dir, bucket=BUCKET, admin=True, min_duration_seconds=stop_after + 4,
                           instances=[{"name": "dcs-rel-main", "password": REDIS_PASSWORD}])
    workdir = tmp_path_factory.mktemp("outage-%d" % outage)
    running = start(config, workdir, data_dir=workdir / "data")
    try:
        emu = Emulator(running)
        name = unique_name("outage-%d" % outage)
        started = time.monotonic()
        module = start_module(emu.present(name, wait_timeout=wait_timeout, retries=1, api_timeout=5))
        deadline = time.monotonic() + 30
        while not emu.tasks_named(name):
            assert time.monotonic() < deadline and module.process.poll() is None
            time.sleep(0.05)
        time.sleep(stop_after)
        stop(running)
        time.sleep(outage)
        running = start(config, workdir, data_dir=workdir / "data", port=running.port)

        result = module.wait()
        measure("exactly one: wait through a %d s outage (wait_timeout %d) in %.1f s"
                % (outage, wait_timeout, time.monotonic() - started))
    finally:
        stop(running)
    assert not result.failed, result.get("msg")
    assert result["changed"] is True and succeeded(result["migration_task"])
    warnings = [str(warning) for warning in result.get("warnings", []) if "did not answer" in str(warning)]
    assert len(warnings) == 1 and "failed poll" in warnings[0], result.get("warnings")
    seconds = float(warnings[0].split("did not answer for ")[1].split(" s ")[0])
    assert outage - 5 <= seconds <= outage + 30
