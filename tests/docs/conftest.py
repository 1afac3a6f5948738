# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One emulator for the documentation tests (make docs-examples), started with the launcher's helpers.

The emulator holds one RUNNING instance with a password and a bucket with a real backup, written by the
same server binary the instance runs (a server refuses an RDB file from a newer release).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dcs_emulator.launcher import launch, sample_config
from dcs_emulator.samples import preferred_binary, write_sample_backup

ROOT = Path(__file__).resolve().parents[2]
BUCKET = 'docs-bucket'
BACKUP_KEYS = 300
INSTANCE_PASSWORD = 'docs-Redis-pw-4711'


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """ANSIBLE_COLLECTIONS_PATH that holds this checkout as hwcloud.dcs (what an EE has installed)."""
    path = tmp_path_factory.mktemp('collections')
    (path / 'ansible_collections' / 'hwcloud').mkdir(parents=True)
    os.symlink(ROOT, path / 'ansible_collections' / 'hwcloud' / 'dcs')
    return path


@pytest.fixture(scope='session')
def bucket_dir(tmp_path_factory):
    return tmp_path_factory.mktemp('bucket')


@pytest.fixture(scope='session')
def server_binary():
    return preferred_binary()


@pytest.fixture(scope='session')
def sample_backup(bucket_dir, server_binary):
    """A real backup in the bucket; tests copy it under the file names their documents use."""
    path = bucket_dir / 'dump.rdb'
    manifest = write_sample_backup(path, keys=BACKUP_KEYS, dbs=1, prefix='docs:', binary=server_binary.path)
    return path, manifest


@pytest.fixture(scope='session')
def emulator(tmp_path_factory, bucket_dir, server_binary, sample_backup):  # pylint: disable=unused-argument
    config = sample_config(bucket_dir, bucket=BUCKET, server_binary=server_binary.path,
                           instances=[{'name': 'dcs-docs', 'password': INSTANCE_PASSWORD}])
    with launch(config, tmp_path_factory.mktemp('emulator')) as emu:
        yield emu
