# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An external target that fails or is stopped part-way: the message says what the target already holds, and it does."""

from __future__ import annotations

import re

import pytest

from dcs_emulator.importer import ExternalServer, ImportFailed, ImportStopped, ManagedServer, import_backup, local_source

from .conftest import PASSWORD, populate, snapshot


def test_stop_names_the_databases_already_copied_and_the_target_holds_exactly_them(source, managed, tmp_path):
    populate(source)  # db0, db3, db15
    path = source.save_rdb(tmp_path / "dump.rdb")
    expected = snapshot(source.server)
    external = managed  # a server the emulator runs, reached by address only
    probe = external.client(db=3)

    def db3_arrived():
        return probe.dbsize() > 0

    target = ExternalServer(external.host, external.port, password=PASSWORD)
    with pytest.raises(ImportStopped) as info:
        import_backup(target, [local_source(path)], tmp_path / "work", should_stop=db3_arrived)
    assert str(info.value) == ("The task was stopped after %d keys were copied; those keys stay in the target (each one whole): "
                               "every key of db0, db3." % (len(expected[0]) + len(expected[3])))
    copied = snapshot(external)
    assert sorted(k for k in copied if k != "functions") == [0, 3]
    assert sorted(copied[0]) == sorted(expected[0]) and sorted(copied[3]) == sorted(expected[3])


def test_failure_names_the_keys_the_target_confirmed(source, tmp_path, binary):
    populate(source)
    source.client.execute_command("DEBUG", "POPULATE", 5000, "bulk", 16)
    path = source.save_rdb(tmp_path / "dump.rdb")
    db0_keys = source.db(0).dbsize()
    server = ManagedServer(tmp_path / "external", binary=binary)
    server.start()

    def kill_after_first_batch(**values):
        if "target_ops" in values and server.alive():
            server.kill()

    try:
        with pytest.raises(ImportFailed) as info:
            import_backup(ExternalServer(server.host, server.port), [local_source(path)], tmp_path / "work",
                          progress=kill_after_first_batch)
    finally:
        server.stop(save=False)
    message = str(info.value)
    # Keys the target had not confirmed when it died are named apart: they may have arrived or not.
    match = re.search(r"failed after (\d+) keys: .*Keys already copied stay in the target \(each one whole\): "
                      r"(?:(\d+) of the (\d+) keys of db0|none yet)(?:, and up to (\d+) more keys of db0 that were sent but "
                      r"not confirmed)?; no other key was changed\.$", message)
    assert match, message
    copied, in_flight = int(match.group(2) or 0), int(match.group(4) or 0)
    assert int(match.group(1)) == copied and (match.group(3) is None or int(match.group(3)) == db0_keys)
    assert 0 < copied + in_flight <= db0_keys
    assert "\n" not in message


def test_a_key_the_target_refuses_ends_the_copy_with_its_answer_and_an_exact_count(source, managed, tmp_path):
    """Out of memory half-way: the message quotes the target, and the keys it names are exactly those that arrived."""
    source.client.execute_command("DEBUG", "POPULATE", 20000, "bulk", 200)
    path = source.save_rdb(tmp_path / "dump.rdb")
    external = managed
    client = external.client()
    client.set("target:only", "mine")
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", used + 1_000_000)  # room for a few thousand keys of the backup, not 20000
    target = ExternalServer(external.host, external.port, password=PASSWORD)
    with pytest.raises(ImportFailed) as info:
        import_backup(target, [local_source(path)], tmp_path / "work")
    message = str(info.value)
    match = re.search(r"failed after (\d+) keys: the target answered: OOM command not allowed when used memory > 'maxmemory'\. "
                      r"Keys already copied stay in the target \(each one whole\): \1 of the 20000 keys of db0"
                      r"(?:, and up to (\d+) more keys of db0 that were sent but not confirmed)?; no other key was changed\.$",
                      message)
    assert match, message
    copied, unconfirmed = int(match.group(1)), int(match.group(2) or 0)
    assert 0 < copied < 20000
    client.config_set("maxmemory", 0)
    assert client.get("target:only") == b"mine"
    assert copied + 1 <= client.dbsize() <= copied + 1 + unconfirmed
