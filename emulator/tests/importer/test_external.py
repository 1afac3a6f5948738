# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An external target that fails or is stopped part-way: the message says what the target already holds, and it does."""

from __future__ import annotations

import re

import pytest

from dcs_emulator.importer import ExternalServer, ImportFailed, ImportStopped, ManagedServer, import_backup, local_source

from .conftest import PASSWORD, populate, snapshot


@pytest.fixture(name="external")
def external_fixture(tmp_path, binary):
    server = ManagedServer(tmp_path / "external", password=PASSWORD, binary=binary)
    server.start()
    yield server
    server.stop(save=False)


def test_stop_names_the_databases_already_copied_and_the_target_holds_exactly_them(source, external, tmp_path):
    populate(source)  # db0, db3, db15
    path = source.save_rdb(tmp_path / "dump.rdb")
    expected = snapshot(source.server)
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


def test_failure_names_the_keys_copied_and_the_batch_in_flight(source, tmp_path, binary):
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
    match = re.search(r"failed after (\d+) keys: .*Keys already copied stay in the target \(each one whole\): (\d+) of the "
                      r"(\d+) keys of db0, and up to (\d+) more keys of db0 from the batch being copied when it failed; no "
                      r"other key was changed\.$", message)
    assert match, message
    assert match.group(1) == match.group(2) and int(match.group(3)) == db0_keys
    copied, in_flight = int(match.group(2)), int(match.group(4))
    assert copied > 0 and in_flight > 0 and copied + in_flight <= db0_keys
    assert "\n" not in message
