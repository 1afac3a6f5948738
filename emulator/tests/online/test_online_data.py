# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Online migrations move real data: a full migration of every type, and an incremental one with writers running."""

from __future__ import annotations

from importer.conftest import assert_same_data, populate, snapshot  # pylint: disable=wrong-import-order

from .conftest import addr, configure, create_task, flush, log_messages, stats, target_server, wait_status


class _Populated:
    """``populate()`` of the import tests wants a ``db(n)`` client factory."""

    def __init__(self, server):
        self.server = server

    def db(self, number):
        return self.server.client(db=number)


def test_full_migration_moves_every_type_ttl_database_and_function(client, source):
    populate(_Populated(source))
    target = target_server(client)
    flush(target)
    task_id = create_task(client, "online-full")
    answer = configure(client, task_id, addr(source), method="full_amount_migration")
    assert answer.status == "FULLMIGRATING"
    shown = wait_status(client, task_id, ("SUCCESS", "FAILED"))
    assert shown.status == "SUCCESS", log_messages(client, task_id)
    assert_same_data(snapshot(target), snapshot(source))
    final = stats(client, task_id)
    assert final.full_migration_progress == "100.00" and final.is_migrating is False
    assert int(final.source_dbsize) == int(final.target_dbsize) > 0
