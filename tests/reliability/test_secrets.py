# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never show: real playbooks at -vvvv with ANSIBLE_DEBUG=1, in diff mode, check mode and failing.

The Redis passwords (target and source), the secret key and the security token are unique marker strings,
and the emulator is configured with them, so every call really uses them (the import only succeeds with
the right Redis password, and only a request signed with the marker secret key gets past the emulator).
None of the markers may appear in ansible-playbook's stdout or stderr, its log file, the junit and tree
callbacks' files, the registered results, or the emulator's own log, database and servers' logs.
The access key is not a secret (it names the key; it is shown in the invocation).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from conftest import BACKUP, BUCKET, launch_emulator, succeeded

SECRET_KEY = "SK-MARKER-%s" % uuid.uuid4().hex[:12]
SECURITY_TOKEN = "TOKEN-MARKER-%s" % uuid.uuid4().hex[:12]
PASSWORD = "PW-MARKER-%s" % uuid.uuid4().hex[:12]
WRONG_PASSWORD = "WRONGPW-MARKER-%s" % uuid.uuid4().hex[:12]
SOURCE_PASSWORD = "SRCPW-MARKER-%s" % uuid.uuid4().hex[:12]
MARKERS = (SECRET_KEY, SECURITY_TOKEN, PASSWORD, WRONG_PASSWORD, SOURCE_PASSWORD)

PLAYBOOK = textwrap.dedent('''\
    - name: Secrets never show
      hosts: localhost
      gather_facts: false
      module_defaults:
        group/hwcloud.dcs.dcs:
          endpoint: "{{ dcs_endpoint }}"
          access_key: "{{ dcs_access_key }}"
          secret_key: "{{ dcs_secret_key }}"
          project_id: "{{ dcs_project_id }}"
          retries: 1
          api_timeout: 10
          wait_timeout: 120
      vars:
        backup_files:
          bucket_name: "{{ dcs_bucket }}"
          files:
            - file_name: "{{ dcs_backup }}"
      tasks:
        - name: Create a task
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-main"
            backup_files: "{{ backup_files }}"
            source_instance:
              addrs: 127.0.0.1:1
              password: "{{ source_password }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: created

        - name: The same task again
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-main"
            backup_files: "{{ backup_files }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: again

        - name: A different request under the same name
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-main"
            description: changed
            backup_files: "{{ backup_files }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: differing
          ignore_errors: true

        - name: A wrong Redis password (the task fails)
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-wrongpw"
            backup_files: "{{ backup_files }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ wrong_password }}"
          register: wrong_password_result
          ignore_errors: true

        - name: Bad input with every secret set
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-bad"
            backup_files:
              bucket_name: "{{ dcs_bucket }}"
              files:
                - file_name: dump.txt
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: bad_input
          ignore_errors: true

        - name: Files of the wrong type (Ansible's own argument check fails) with every secret set
          hwcloud.dcs.migration_task:
            task_name: "{{ run_id }}-bad"
            backup_files:
              bucket_name: "{{ dcs_bucket }}"
              files: 0
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
          register: bad_type
          ignore_errors: true

        - name: Remove the tasks
          hwcloud.dcs.migration_task:
            task_name: "{{ item }}"
            state: absent
          loop:
            - "{{ run_id }}-main"
            - "{{ run_id }}-wrongpw"
          register: removed

        - name: Keep the registered results
          ansible.builtin.copy:
            content: "{{ {'created': created, 'again': again, 'differing': differing, 'wrong_password': wrong_password_result,
                          'bad_input': bad_input, 'bad_type': bad_type, 'removed': removed} | to_nice_json }}"
            dest: "{{ results_file }}"
            mode: "0600"
          diff: false
          check_mode: false

        - name: A wrong secret key (the play fails here)
          hwcloud.dcs.migration_task:
            secret_key: "{{ dcs_secret_key }}-wrong"
            task_name: "{{ run_id }}-main"
            backup_files: "{{ backup_files }}"
            target_instance:
              id: "{{ instance_id }}"
              password: "{{ redis_password }}"
    ''')


@pytest.fixture(scope="module")
def secret_emulator(tmp_path_factory, bucket_dir):
    instances = [{"name": "dcs-secrets", "password": PASSWORD}]
    with launch_emulator(tmp_path_factory, bucket_dir, "secrets-emulator", instances, secret_key=SECRET_KEY) as running:
        yield running


def run_playbook(emu, collection_root: Path, workdir: Path, run_id: str, debug: bool, *options) -> dict:
    """Run the playbook with every output channel on; return {channel name: text}."""
    workdir.mkdir(parents=True)
    (workdir / "playbook.yml").write_text(PLAYBOOK, encoding="utf-8")
    (workdir / "inventory.ini").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                           % sys.executable, encoding="utf-8")
    extra_vars = dict(dcs_endpoint=emu.url, dcs_access_key=emu.access_key, dcs_secret_key=SECRET_KEY,
                      dcs_project_id=emu.project_id, dcs_bucket=BUCKET, dcs_backup=BACKUP,
                      instance_id=emu.instances[0]["id"], redis_password=PASSWORD, wrong_password=WRONG_PASSWORD,
                      source_password=SOURCE_PASSWORD, run_id=run_id, results_file=str(workdir / "results.json"))
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection_root),
               ANSIBLE_LOG_PATH=str(workdir / "ansible.log"), ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.junit,ansible.builtin.tree",
               JUNIT_OUTPUT_DIR=str(workdir / "junit"), ANSIBLE_CALLBACK_TREE_DIR=str(workdir / "tree"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"),
               # The token only through the environment (AWX injects credentials this way).
               HUAWEICLOUD_SDK_SECURITY_TOKEN=SECURITY_TOKEN)
    env.pop("ANSIBLE_DEBUG", None)
    if debug:
        env["ANSIBLE_DEBUG"] = "1"
    process = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-vvvv", "-i", str(workdir / "inventory.ini"),
                              "-e", "@%s" % vars_file, str(workdir / "playbook.yml")] + list(options),
                             capture_output=True, text=True, env=env, cwd=str(workdir), timeout=900, check=False)
    vars_file.unlink()  # the input holds the secrets; everything left in workdir is output
    channels = {"returncode": process.returncode}
    for name, text in (("stdout", process.stdout), ("stderr", process.stderr)):
        (workdir / name).write_text(text, encoding="utf-8")  # kept for whoever reads a failure
    for path in sorted(workdir.rglob("*")):
        if path.is_file():
            channels[str(path.relative_to(workdir))] = path.read_text(encoding="utf-8", errors="replace")
    return channels


def emulator_outputs(emu) -> dict:
    """The emulator's log, its SQLite database (tasks, logs) and its Redis servers' logs."""
    outputs = {"emulator.log": emu.log_path.read_text(encoding="utf-8", errors="replace")}
    data_dir = emu.workdir / "data"
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and (path.name.startswith("emulator.db") or path.name == "server.log"):
            outputs[str(path.relative_to(emu.workdir))] = path.read_bytes().decode("latin-1")
    return outputs


def core_debug_echo(line: str) -> bool:
    """ansible-core's own ANSIBLE_DEBUG line that echoes the arguments it hands to a module.

    ansible-core documents that debug output "can include secret information despite no_log settings"
    (DEFAULT_DEBUG in its configuration reference): it prints the task's module arguments, as the user wrote
    them, before no_log masking runs in the module. No collection can mask that line; everything the module
    and the collection produce is checked.
    """
    # Any module of the collection: the action plugins run migration_task_info and migration_task_wait through
    # the same ansible-core call, which echoes their arguments the same way.
    return re.search(r": done with _execute_module \(hwcloud\.dcs\.[a-z_]+, \{", line) is not None


def assert_no_marker(outputs: dict, allow_core_debug_echo: bool = False) -> None:
    for channel, text in outputs.items():
        for line in str(text).splitlines():
            if allow_core_debug_echo and channel == "stdout" and core_debug_echo(line):
                continue
            for marker in MARKERS:
                assert marker not in line, "%s leaked into %s: %s" % (marker.split("-", maxsplit=1)[0], channel, line[:300])


@pytest.mark.parametrize("mode, debug", [("diff", False), ("check", False), ("diff", True)],
                         ids=["vvvv-diff", "vvvv-check-diff", "vvvv-diff-ANSIBLE_DEBUG"])
def test_no_secret_in_any_output(secret_emulator, collection_root, tmp_path, mode, debug):
    run_id = "sec-%s-%s" % (mode, uuid.uuid4().hex[:8])
    options = ["--diff"] if mode == "diff" else ["--check", "--diff"]

    outputs = run_playbook(secret_emulator, collection_root, tmp_path / "run", run_id, debug, *options)

    # The run did what it should, so the secrets were really used.
    assert outputs["returncode"] == 2, outputs["stdout"][-3000:]
    assert "Failed to" in outputs["stdout"] and "HTTP 401" in outputs["stdout"]  # the wrong secret key, last
    assert (": starting run" in outputs["stdout"]) is debug
    results = json.loads(outputs["results.json"])
    assert results["created"]["changed"] is True and not results["created"].get("failed")
    assert results["again"]["changed"] is (mode == "check")  # check mode created nothing the first time
    assert results["bad_input"]["failed"] and "backup_files.files[0].file_name" in results["bad_input"]["msg"]
    assert results["bad_type"]["failed"] and "backup_files.files must be a list" in results["bad_type"]["msg"]  # names the option
    if mode == "diff":
        assert succeeded(results["created"]["migration_task"])  # the right password imported
        assert "invalid password" in results["wrong_password"]["msg"]  # the wrong one reached the instance
        assert results["differing"]["failed"] and "description differs" in results["differing"]["msg"]
        assert "diff" in results["created"] and results["removed"]["results"][0]["changed"]
    assert any(name.startswith("junit/") for name in outputs) and any(name.startswith("tree/") for name in outputs)
    assert "ansible.log" in outputs

    assert_no_marker(outputs, allow_core_debug_echo=debug)
    assert_no_marker(emulator_outputs(secret_emulator))
