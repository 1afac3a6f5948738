# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project's test-support kit, shipped with the emulator (as moto ships its test helpers).

One definition of each helper that emulator/tests, tests/unit, tests/reliability, tests/bench, tests/utils and
tools use: emulator processes and in-process servers, a source Redis for online migrations, a free port, the SDK
client, create requests, waiting for a final status, the operation routes for fault rules, and canned API answers
made by the emulator's serialisers.
It needs the emulator's ``test`` extra (the official SDK).

    from dcs_emulator.testing import EmulatorProcess, import_request, wait_final
    from dcs_emulator.testing import shapes   # canned answers; imports the emulator's HTTP layer, so not here
"""

from __future__ import annotations

from dcs_emulator.launcher import EmulatorStartError, free_port, launch, sample_config, write_private
from dcs_emulator.testing.process import Admin, EmulatorProcess, Endpoint, InProcessEmulator
from dcs_emulator.testing.sdk import import_body, import_request, is_final, operation_route, sdk_client, wait_final
from dcs_emulator.testing.servers import source_redis

__all__ = [
    "Admin", "EmulatorProcess", "EmulatorStartError", "Endpoint", "InProcessEmulator", "free_port", "import_body",
    "import_request", "is_final", "launch", "operation_route", "sample_config", "sdk_client", "source_redis",
    "wait_final", "write_private",
]
