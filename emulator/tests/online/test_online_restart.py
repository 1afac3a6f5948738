# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulator restart in the middle of incremental migrations: a source without a password is resumed with a
partial resync; one with a password fails, as the emulator keeps passwords in memory only."""

from __future__ import annotations

from importer.conftest import assert_same_data, snapshot  # pylint: disable=wrong-import-order

from dcs_emulator.testing import EmulatorProcess

from .conftest import (addr, configure, create_task, log_messages, online_config, start_source, target_server,
                       wait_caught_up, wait_status)
from .test_online_data import source_syncs, write_some


def test_an_emulator_restart_resumes_what_it_can_and_says_why_not_the_rest(tmp_path):
    open_source = start_source(tmp_path / "open-source", password=None)
    locked_source = start_source(tmp_path / "locked-source")
    emulator = EmulatorProcess(tmp_path, online_config(tmp_path), api_only=False).start()
    try:
        client = emulator.client(timeout=(3, 90))
        resumable = create_task(client, "online-open")
        configure(client, resumable, addr(open_source), source_password=None)
        locked = create_task(client, "online-locked")
        configure(client, locked, addr(locked_source), target="6a1f0c52-0000-4000-8000-00000000a001")
        for task_id in (resumable, locked):
            wait_status(client, task_id, ("INCRMIGRATING",))
        write_some(open_source, "before-restart")
        wait_caught_up(client, resumable)
        emulator.stop()
        write_some(open_source, "while-down")
        emulator.start()
        client = emulator.client(timeout=(3, 90))
        wait_status(client, locked, ("FAILED",))
        assert ("ERROR", "The emulator restarted since the task was configured and keeps passwords in memory only: "
                "configure the task again.") in log_messages(client, locked)
        wait_status(client, resumable, ("INCRMIGRATING",))
        write_some(open_source, "after-restart")
        wait_caught_up(client, resumable)
        assert any("Partial resync accepted" in m for _level, m in log_messages(client, resumable))
        assert source_syncs(open_source) == (1, 1)
        # The locked source is empty: the target holds exactly the open source's keys.
        assert_same_data(snapshot(target_server(client), databases=range(2)), snapshot(open_source, databases=range(2)))
    finally:
        emulator.stop()
        open_source.stop(save=False)
        locked_source.stop(save=False)
