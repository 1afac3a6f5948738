# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator internals the test kit builds on, imported here and nowhere else in the kit.

When the emulator's layers move (serialisers into the models layer, the operation table derived from the
routes), this is the one file of the kit to repoint.
"""

from __future__ import annotations

from dcs_emulator.operations import OPERATIONS
from dcs_emulator.routes.tasks import task_detail as serialise_task_detail
from dcs_emulator.routes.tasks import task_list_item as serialise_task_list_item
from dcs_emulator.runner import RUNNING_STATUSES

__all__ = ["OPERATIONS", "RUNNING_STATUSES", "serialise_task_detail", "serialise_task_list_item"]
