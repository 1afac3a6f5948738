# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a real emulator process on a free loopback port, driven through the official SDK.

Each test module reuses one server (``emulator`` fixture, admin API on, import engine off with --api-only so
these tests cover the API layer; the import engine has its own tests). Tests that restart or reconfigure the
server build their own ``EmulatorProcess``.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdcs.v2 import (BackupFilesBody, CreateMigrationTaskBody, CreateMigrationTaskRequest, DcsClient,
                                  Files, ShowMigrationTaskRequest, TargetInstanceBody)

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
FINAL = ("SUCCESS", "FAILED", "TERMINATED", "MIGRATION_FAILED", "RELEASED")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class EmulatorProcess:
    """``dcs-emulator serve`` in a subprocess; the config is written from a dict."""

    def __init__(self, root: Path, config: dict, extra_args=()):
        self.root = root
        self.config = config
        self.extra_args = list(extra_args)
        self.port = 0
        self.proc = None
        self.log_path = root / "emulator.log"

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def start(self) -> "EmulatorProcess":
        config_path = self.root / "emulator.yml"
        config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                    [sys.executable, "-m", "dcs_emulator", "serve", "--config", str(config_path),
                     "--port", str(self.port), "--api-only"] + self.extra_args,
                    stdout=log, stderr=subprocess.STDOUT, cwd=str(self.root))
            if self._wait_listening():
                return self
            self.stop()
        raise RuntimeError("emulator did not start:\n" + self.log_text())

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    # admin API (plain HTTP: it is the emulator's own control surface, not a DCS API)
    def admin(self, method: str, path: str, body=None, expect=200):
        """Call the admin API; returns the decoded JSON (asserting the status code ``expect``)."""
        response = requests.request(method, self.url + "/_emulator/" + path.lstrip("/"), json=body, timeout=10)
        assert response.status_code == expect, response.text
        return response.json()

    def fault(self, **spec) -> dict:
        return self.admin("POST", "faults", spec)

    def client(self, ak=AK, sk=SK, project=PROJECT, timeout=(3, 10)) -> DcsClient:
        config = HttpConfig.get_default_config()
        config.timeout = timeout
        credentials = BasicCredentials(ak, sk, project)
        return DcsClient.new_builder().with_http_config(config).with_credentials(credentials) \
            .with_endpoints([self.url]).build()


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
    """A CreateMigrationTaskRequest for a backup import from a bucket."""
    return CreateMigrationTaskRequest(body=CreateMigrationTaskBody(
        task_name=name, description="test task", migration_type="backupfile_import", migration_method=method,
        backup_files=BackupFilesBody(file_source="self_build_obs", bucket_name=bucket,
                                     files=[Files(file_name=f) for f in files]),
        target_instance=TargetInstanceBody(id=instance, password=password)))


def wait_final(client, task_id, timeout=15.0):
    """Poll show until the task reaches a final status; returns the last ShowMigrationTaskResponse."""
    deadline = time.monotonic() + timeout
    while True:
        shown = client.show_migration_task(ShowMigrationTaskRequest(task_id=task_id))
        if shown.status in FINAL or time.monotonic() > deadline:
            return shown
        time.sleep(0.05)
