# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config validation: every mistake is reported with the key that is wrong, and never echoes a secret."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from dcs_emulator import config as config_mod

from conftest import SK, base_config


def _broken(tmp_path, change):
    raw = copy.deepcopy(base_config(tmp_path))
    change(raw)
    return raw


@pytest.mark.parametrize("change,message", [
    (lambda c: c.pop("accounts"), "accounts is required"),
    (lambda c: c.update(acounts=[]), "unknown top-level key(s) acounts"),
    (lambda c: c["accounts"][0].pop("secret_key"), "accounts[0].secret_key is required"),
    (lambda c: c["accounts"][0]["projects"][0].update(id="short"), "accounts[0].projects[0].id must be 32"),
    (lambda c: c["accounts"].append(dict(c["accounts"][0])), "an access_key is listed twice"),
    (lambda c: c["buckets"].update(b={}), "buckets.b.path is required"),
    (lambda c: c["instances"][0].update(id="not-a-uuid"), "instances[0].id must be a UUID"),
    (lambda c: c["instances"][0].update(status="SLEEPING"), "instances[0].status must be one of"),
    (lambda c: c["instances"][0].update(project_id="f" * 32), "instances[0].project_id"),
    (lambda c: c["instances"][0]["backups"][0].update(bucket="nope"), "instances[0].backups[0].bucket names an unknown"),
    (lambda c: c["instances"][0].update(password=123), "instances[0].password must be a string"),
    (lambda c: c["tasks"].update(min_duration_seconds=-1), "tasks.min_duration_seconds must be a number"),
    (lambda c: c["tasks"].update(on_restart="maybe"), "tasks.on_restart must be resume or fail"),
])
def test_errors_name_the_key(tmp_path, change, message):
    with pytest.raises(config_mod.ConfigError) as info:
        config_mod.parse(_broken(tmp_path, change), tmp_path)
    assert message in str(info.value) and SK not in str(info.value)


def test_relative_paths_resolve_against_the_config_file(tmp_path):
    config = config_mod.parse(base_config(tmp_path), tmp_path)
    assert config.data_dir == tmp_path / "data"
    assert config.buckets["demo-bucket"]["path"] == tmp_path / "backups"
    assert config.instances[1]["redis"] == {"managed": True}
    assert config.account("AKEMUTEST0001").owns("0123456789abcdef0123456789abcdef")


def test_cli_reports_config_errors_in_one_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(_broken(tmp_path, lambda c: c["accounts"][0].pop("access_key"))), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "dcs_emulator", "check-config", "--config", str(path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == "dcs-emulator: config error: accounts[0].access_key is required"
    assert SK not in result.stdout + result.stderr


def _check_config(tmp_path, raw):
    path = tmp_path / "emulator.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "dcs_emulator", "check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_check_config_warns_about_files_an_import_would_miss(tmp_path):
    raw = base_config(tmp_path)  # writes ./backups with the records' files; ghost-bucket has no directory
    result = _check_config(tmp_path, raw)
    assert result.returncode == 0 and result.stdout.startswith("config OK")
    assert result.stdout.count("warning") == 1
    assert "warning: bucket ghost-bucket: directory %s does not exist" % (tmp_path / "no-such-dir") in result.stdout
    (tmp_path / "backups" / "dump.rdb").unlink()
    result = _check_config(tmp_path, raw)
    assert "backup record %s: no file dump.rdb in bucket demo-bucket" % raw["instances"][0]["backups"][0]["id"] \
        in result.stdout
