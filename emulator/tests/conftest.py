# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a real emulator process on a free loopback port, driven through the official SDK.

Each test module reuses one server (``emulator`` fixture, admin API on, import engine off with --api-only so
these tests cover the API layer; the import engine has its own tests). Tests that restart or reconfigure the
server build their own ``EmulatorProcess`` (from the test kit, ``dcs_emulator.testing``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcs_emulator import testing
from dcs_emulator.testing import EmulatorProcess

# Unique markers, so a leak of a secret is detectable anywhere (responses, server log).
AK = "AKEMUTEST0001"
SK = "sk-marker-7f3a9c0e51"
AK2 = "AKEMUTEST0002"
SK2 = "sk-marker-2b8d44e0aa"
PROJECT = "0123456789abcdef0123456789abcdef"
PROJECT2 = "fedcba9876543210fedcba9876543210"
REGION = "cn-north-4"
INSTANCE = "3f6bd5b4-1111-4222-8333-944455556666"
FROZEN_INSTANCE = "3f6bd5b4-1111-4222-8333-944455557777"
OTHER_INSTANCE = "3f6bd5b4-1111-4222-8333-944455558888"
PASSWORD = "pw-marker-c0ffee42"
BACKUP_ID = "backup-0001"


def base_config(root: Path) -> dict:
    backups = root / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    (backups / "dump.rdb").write_bytes(b"REDIS0011" + b"\0" * 100)
    (backups / "part2.aof").write_bytes(b"*1\r\n$4\r\nPING\r\n")
    (backups / "nested").mkdir(exist_ok=True)
    (backups / "nested" / "deep.rdb").write_bytes(b"REDIS0011")
    (root / "secret-outside.rdb").write_bytes(b"outside the bucket")
    return {
        "data_dir": "./data",
        "region": REGION,
        "accounts": [
            {"access_key": AK, "secret_key": SK, "projects": [{"id": PROJECT, "name": REGION}]},
            {"access_key": AK2, "secret_key": SK2, "projects": [{"id": PROJECT2, "name": REGION}]},
        ],
        "buckets": {"demo-bucket": {"path": "./backups"}, "ghost-bucket": {"path": "./no-such-dir"}},
        "instances": [
            {"id": INSTANCE, "name": "dcs-demo", "project_id": PROJECT, "password": PASSWORD,
             "engine_version": "7.0", "status": "RUNNING", "redis": {"host": "127.0.0.1", "port": 6379},
             "backups": [{"id": BACKUP_ID, "name": "nightly", "bucket": "demo-bucket", "file": "dump.rdb",
                          "created_at": "2026-01-02T03:04:05Z"},
                         {"id": "backup-0002", "name": "older", "bucket": "demo-bucket", "file": "part2.aof",
                          "created_at": "2025-06-01T00:00:00Z"}]},
            {"id": FROZEN_INSTANCE, "name": "dcs-frozen", "project_id": PROJECT, "status": "FROZEN"},
            {"id": OTHER_INSTANCE, "name": "dcs-other", "project_id": PROJECT2},
        ],
        "admin": {"enabled": True},
        "tasks": {"min_duration_seconds": 0.2},
    }


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    root = tmp_path_factory.mktemp("emulator")
    server = EmulatorProcess(root, base_config(root))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emu(emulator):
    """The module's server, reset to a clean state for each test."""
    emulator.admin("POST", "reset")
    yield emulator
    emulator.admin("DELETE", "faults")


@pytest.fixture
def client(emu):
    return emu.client()


def import_request(name, files=("dump.rdb",), bucket="demo-bucket", instance=INSTANCE, password=PASSWORD,
                   method="full_amount_migration"):
    """A CreateMigrationTaskRequest for a backup import from a bucket of this suite's config."""
    return testing.import_request(name, instance, password=password, bucket=bucket, files=files, method=method,
                                  description="test task")
