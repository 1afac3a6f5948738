# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config validation: every mistake is reported with the key that is wrong, and never echoes a secret."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dcs_emulator import config as config_mod

from conftest import SK, base_config


def _broken(tmp_path, change):
    raw = copy.deepcopy(base_config(tmp_path))
    change(raw)
    return raw


@pytest.mark.parametrize("change,problem", [
    (lambda c: c.pop("accounts"), "accounts: missing (required)"),
    (lambda c: c.update(acounts=[]), "acounts: unknown key"),
    (lambda c: c["instances"][0].update(pasword="x"), "instances[0].pasword: unknown key"),
    (lambda c: c["buckets"]["demo-bucket"].update(pth="./x"), "buckets.demo-bucket.pth: unknown key"),
    (lambda c: c["tasks"].update(on_restrat="fail"), "tasks.on_restrat: unknown key"),
    (lambda c: c.update(importer={"server_binray": "x"}), "importer.server_binray: unknown key"),
    (lambda c: c["accounts"][0].pop("secret_key"), "accounts[0].secret_key: missing (required)"),
    (lambda c: c["accounts"][0].update(secret_key=12345), "accounts[0].secret_key: must be a string (quote it)"),
    (lambda c: c["accounts"][0].update(access_key="AK WITH SPACE"),
     "accounts[0].access_key: must not be empty nor hold spaces or commas"),
    (lambda c: c["accounts"][0]["projects"][0].update(id="short"),
     "accounts[0].projects[0].id: must be 32 lower-case hex characters"),
    (lambda c: c["accounts"][0].update(projects=[]), "accounts[0].projects: must list at least 1 item(s)"),
    (lambda c: c["accounts"].append(dict(c["accounts"][0])),
     "accounts[2].access_key: the same access key as accounts[0]"),
    (lambda c: c["buckets"].update(bbb={}), "buckets.bbb: give either path (a local directory) or s3, not both and not"),
    (lambda c: c["instances"][0].update(id="not-a-uuid"), "instances[0].id: must be a UUID"),
    (lambda c: c["instances"].append(dict(c["instances"][0])), "instances[3].id: the same id as instances[0]"),
    (lambda c: c["instances"][0].update(status="SLEEPING"), "instances[0].status: must be one of CREATING, "),
    (lambda c: c["instances"][0].update(max_memory="lots"), "instances[0].max_memory: must be a whole number"),
    (lambda c: c["instances"][0].update(max_memory=0), "instances[0].max_memory: must be >= 1"),
    (lambda c: c["instances"][0].update(project_id="f" * 32),
     "instances[0].project_id: %s belongs to no configured account" % ("f" * 32)),
    (lambda c: c["instances"][0]["backups"][0].update(bucket="nope"),
     "instances[0].backups[0].bucket: names an unknown bucket nope (configured: demo-bucket, ghost-bucket)"),
    (lambda c: c["instances"][0]["backups"][0].update(created_at="yesterday"),
     "instances[0].backups[0].created_at: must be a time like 2026-01-02T03:04:05Z"),
    (lambda c: c["instances"][0]["backups"][0].update(backup_format="json"),
     "instances[0].backups[0].backup_format: must be one of rdb or aof"),
    (lambda c: c["instances"][0].update(password=123), "instances[0].password: must be a string (quote it)"),
    (lambda c: c["instances"][0].update(engine_version=7.0), "instances[0].engine_version: must be a string"),
    (lambda c: c["instances"][0]["redis"].update(port="6379"), "instances[0].redis.port: must be a whole number"),
    (lambda c: c["instances"][0]["redis"].update(port=70000), "instances[0].redis.port: must be <= 65535"),
    (lambda c: c["instances"][0]["redis"].update(managed=True),
     "instances[0].redis: host is for a server you run (managed: false)"),
    (lambda c: c["instances"][1].update(redis={"managed": False}),
     "instances[1].redis: a server that is not managed needs its host"),
    (lambda c: c["admin"].update(enabled="yes please"), "admin.enabled: must be true or false"),
    (lambda c: c["tasks"].update(min_duration_seconds=-1), "tasks.min_duration_seconds: must be >= 0"),
    (lambda c: c["tasks"].update(workers=1.5), "tasks.workers: must be a whole number"),
    (lambda c: c["tasks"].update(on_restart="maybe"), "tasks.on_restart: must be one of resume or fail"),
    (lambda c: c.update(region=""), "region: must not be empty"),
])
def test_each_problem_names_its_key_path(tmp_path, change, problem):
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(_broken(tmp_path, change), tmp_path)
    assert len(info.value.problems) == 1, info.value.problems
    assert info.value.problems[0].startswith(problem), info.value.problems
    assert SK not in str(info.value)


@pytest.mark.parametrize("name,reason", [
    ("ab", "must be 3 to 63 characters long"),
    ("a" * 64, "must be 3 to 63 characters long"),
    ("Backups", "may only hold lower-case letters, digits, '-' and '.'"),
    ("my_bucket", "may only hold lower-case letters, digits, '-' and '.'"),
    ("-backups", "must start and end with a letter or a digit"),
    ("backups.", "must start and end with a letter or a digit"),
    ("my..bucket", "must not hold '..', '.-' or '-.'"),
    ("my-.bucket", "must not hold '..', '.-' or '-.'"),
    ("my.-bucket", "must not hold '..', '.-' or '-.'"),
    ("192.168.0.1", "must not be an IP address"),
])
def test_bucket_names_obs_would_refuse_are_refused(tmp_path, name, reason):
    raw = base_config(tmp_path)
    raw["buckets"][name] = {"path": "./backups"}
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(raw, tmp_path)
    key = '["%s"]' % name if "." in name else "." + name
    assert info.value.problems == ["buckets%s: is not a bucket name OBS accepts: it %s" % (key, reason)]


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-01", "0backups9", "demo-bucket"])
def test_bucket_names_obs_accepts_are_accepted(tmp_path, name):
    raw = base_config(tmp_path)
    raw["buckets"] = {name: {"path": "./backups"}}
    raw["instances"][0]["backups"] = []
    assert name in config_mod.parse(raw, tmp_path).buckets


def test_every_problem_is_reported_at_once(tmp_path):
    def change(raw):
        raw["instances"][0]["pasword"] = "x"
        raw["instances"][1]["max_memory"] = "lots"
        raw["tasks"]["on_restart"] = "maybe"
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(_broken(tmp_path, change), tmp_path)
    assert sorted(info.value.problems) == ["instances[0].pasword: unknown key",
                                           "instances[1].max_memory: must be a whole number",
                                           "tasks.on_restart: must be one of resume or fail"]


def test_empty_sections_and_files(tmp_path):
    raw = base_config(tmp_path)
    raw.update(buckets=None, admin=None, tasks=None, importer=None)
    raw["instances"] = [dict(raw["instances"][1], backups=None, redis=None)]
    config = config_mod.parse(raw, tmp_path)
    assert config.buckets == {} and config.admin_enabled is False and config.workers == 8
    assert config.instances[0]["backups"] == [] and config.instances[0]["redis"] == {"managed": True}
    for document in (None, [], "text"):
        with pytest.raises(config_mod.ConfigError) as info:
            config_mod.parse(document, tmp_path)
        assert info.value.problems == ["the config file: must be a mapping"]


def test_unquoted_yaml_timestamps_are_taken_as_text(tmp_path):
    path = tmp_path / "emulator.yml"
    text = yaml.safe_dump(base_config(tmp_path)).replace("'2026-01-02T03:04:05Z'", "2026-01-02T03:04:05Z")
    assert "created_at: 2026-01-02T03:04:05Z" in text
    path.write_text(text, encoding="utf-8")
    assert config_mod.load(str(path)).instances[0]["backups"][0]["created_at"] == "2026-01-02T03:04:05+00:00"


def test_relative_paths_resolve_against_the_config_file(tmp_path):
    config = config_mod.parse(base_config(tmp_path), tmp_path)
    assert config.data_dir == tmp_path / "data"
    assert config.buckets["demo-bucket"]["path"] == tmp_path / "backups"
    assert config.instances[1]["redis"] == {"managed": True}
    assert config.account("AKEMUTEST0001").owns("0123456789abcdef0123456789abcdef")


def _check_config(path):
    return subprocess.run([sys.executable, "-m", "dcs_emulator", "check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_check_config_reports_one_line_per_problem(tmp_path):
    def change(raw):
        raw["accounts"][0].pop("access_key")
        raw["instances"][0]["pasword"] = raw["accounts"][0]["secret_key"]
        raw["instances"][0]["max_memory"] = "lots"
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(_broken(tmp_path, change)), encoding="utf-8")
    result = _check_config(path)
    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == [
        "dcs-emulator: config error: accounts[0].access_key: missing (required)",
        "dcs-emulator: config error: instances[0].max_memory: must be a whole number",
        "dcs-emulator: config error: instances[0].pasword: unknown key",
    ]
    assert SK not in result.stdout + result.stderr


def test_check_config_accepts_the_example_and_reports_bad_yaml_in_one_line(tmp_path):
    example = Path(__file__).resolve().parents[1] / "emulator.example.yml"
    result = _check_config(example)
    assert result.returncode == 0 and result.stdout.startswith("config OK: 1 account(s), 1 bucket(s), 1 instance(s)")
    broken = tmp_path / "broken.yml"
    broken.write_text("accounts:\n  - access_key: [unclosed\n", encoding="utf-8")
    result = _check_config(broken)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "is not valid YAML at line 3, column 1" in result.stderr


def test_a_key_given_twice_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "twice.yml"
    text = yaml.safe_dump(base_config(tmp_path), sort_keys=False)
    path.write_text(text + "tasks: {workers: 2}\n", encoding="utf-8")
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.load(str(path))
    line = len(text.splitlines()) + 1
    assert info.value.problems == ["config file %s is not valid YAML at line %d, column 1: the key tasks is given "
                                   "twice" % (path, line)]


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "data").write_text("not a directory", encoding="utf-8")
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(base_config(tmp_path), tmp_path)
    assert info.value.problems == ["data_dir: %s is not a directory" % (tmp_path / "data")]


def test_serve_refuses_a_bad_config_before_listening(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(_broken(tmp_path, lambda c: c["instances"][0].update(pasword="x"))),
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "dcs_emulator", "serve", "--config", str(path), "--port", "0"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "dcs-emulator: config error: instances[0].pasword: unknown key"


def _check_config_of(tmp_path, raw):
    path = tmp_path / "emulator.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return _check_config(path)


def test_check_config_warns_about_files_an_import_would_miss(tmp_path):
    raw = base_config(tmp_path)  # writes ./backups with the records' files; ghost-bucket has no directory
    result = _check_config_of(tmp_path, raw)
    assert result.returncode == 0 and result.stdout.startswith("config OK")
    assert result.stdout.count("warning") == 1
    assert "warning: bucket ghost-bucket: directory %s does not exist" % (tmp_path / "no-such-dir") in result.stdout
    (tmp_path / "backups" / "dump.rdb").unlink()
    result = _check_config_of(tmp_path, raw)
    assert "backup record %s: no file dump.rdb in bucket demo-bucket" % raw["instances"][0]["backups"][0]["id"] \
        in result.stdout
