# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load: one playbook, forks=20, 100 hosts; each creates its own task, waits for the import, checks and deletes it.

100 inventory hosts (local connections) is how an operator restores many instances at once: each host is
an instance to restore, and the play runs 20 of them at a time. The imports are real (tiny backups, so the
run measures the module, the API and the emulator's concurrency rather than Redis' loader). Afterwards the
emulator's counters prove each task was created exactly once and deleted once, and nothing failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import BACKUP, BUCKET, REDIS_PASSWORD, launch_emulator, succeeded

HOSTS = 100
FORKS = 20
INSTANCES = 4

PLAYBOOK = textwrap.dedent('''\
    - name: Restore many instances at once
      hosts: all
      gather_facts: false
      module_defaults:
        group/hwcloud.dcs.dcs:
          endpoint: "{{ dcs_endpoint }}"
          access_key: "{{ dcs_access_key }}"
          secret_key: "{{ dcs_secret_key }}"
          project_id: "{{ dcs_project_id }}"
          wait_timeout: 600
      tasks:
        - name: Import the backup and wait for it
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-{{ inventory_hostname }}"
            backup_files:
              bucket_name: "{{ dcs_bucket }}"
              files:
                - file_name: "{{ dcs_backup }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: created

        - name: Remove the task
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-{{ inventory_hostname }}"
            state: absent
          register: removed

        - name: Keep every host's results
          run_once: true
          ansible.builtin.copy:
            content: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars)
                          | map('dict2items') | map('selectattr', 'key', 'in', ['created', 'removed'])
                          | map('items2dict'))) | to_json }}"
            dest: "{{ results_file }}"
            mode: "0600"
    ''')


@pytest.fixture(scope="module")
def load_emulator(tmp_path_factory, bucket_dir):
    instances = [{"name": "dcs-load-%d" % index, "password": REDIS_PASSWORD} for index in range(INSTANCES)]
    with launch_emulator(tmp_path_factory, bucket_dir, "load-emulator", instances) as running:
        yield running


def write_inventory(path: Path, emu) -> list:
    hosts = ["host%03d" % index for index in range(HOSTS)]
    lines = ["[all]"]
    for index, host in enumerate(hosts):
        lines.append("%s ansible_connection=local ansible_python_interpreter=%s instance_id=%s"
                     % (host, sys.executable, emu.instances[index % INSTANCES]["id"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return hosts


def test_100_tasks_with_20_forks(load_emulator, collection_root, tmp_path, measure):
    emu = load_emulator
    run_id = "load-%s" % uuid.uuid4().hex[:8]
    hosts = write_inventory(tmp_path / "inventory.ini", emu)
    (tmp_path / "playbook.yml").write_text(PLAYBOOK, encoding="utf-8")
    extra_vars = dict(dcs_endpoint=emu.url, dcs_access_key=emu.access_key, dcs_secret_key=emu.secret_key,
                      dcs_project_id=emu.project_id, dcs_bucket=BUCKET, dcs_backup=BACKUP, redis_password=REDIS_PASSWORD,
                      run_id=run_id, results_file=str(tmp_path / "results.json"))
    (tmp_path / "vars.json").write_text(json.dumps(extra_vars), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root), ANSIBLE_FORKS=str(FORKS), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_RETRY_FILES_ENABLED="0")
    emu.admin.call("POST", "stats/reset")

    started = time.monotonic()
    process = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"),
                              "-e", "@%s" % (tmp_path / "vars.json"), str(tmp_path / "playbook.yml")],
                             capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=1500, check=False)
    wall = time.monotonic() - started
    measure("load: %d tasks created, waited and deleted by one playbook with forks=%d in %.1f s" % (HOSTS, FORKS, wall))

    assert process.returncode == 0, process.stdout[-5000:] + process.stderr[-2000:]
    assert "failed=0" in process.stdout and "unreachable=0" in process.stdout
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert sorted(results) == hosts
    task_ids = set()
    for host, result in results.items():
        created, removed = result["created"], result["removed"]
        task = created["migration_task"]
        assert created["changed"] is True and not created.get("failed"), (host, created.get("msg"))
        assert task["task_name"] == "%s-%s" % (run_id, host) and succeeded(task)
        assert task["target_instance"]["id"] == emu.instances[hosts.index(host) % INSTANCES]["id"]
        assert removed["changed"] is True and removed["task_ids"] == [created["task_id"]]
        task_ids.add(created["task_id"])
    assert len(task_ids) == HOSTS  # a task per host, none shared
    stats = emu.admin.call("GET", "stats")
    assert stats["operations"]["create_migration_task"] == HOSTS  # each created exactly once
    assert stats["operations"]["delete_migration_task"] == HOSTS
    assert [r for r in stats["requests"] if r["status"] >= 500 or r["status"] == 0] == []
    status, listed = emu.api_get("/v2/%s/migration-tasks" % emu.project_id)
    assert status == 200 and not [t for t in listed["migration_tasks"] if t["task_name"].startswith(run_id)]
