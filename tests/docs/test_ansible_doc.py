# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `ansible-doc` shows a user of the installed collection: every module is listed, the lookups of an import
(instance_info, backup_info) among them, and each one's documentation renders."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

MODULES = sorted(path.stem for path in (ROOT / 'plugins' / 'modules').glob('*.py') if not path.stem.startswith('_'))


def ansible_doc(collections_path, tmp_path, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), HOME=str(tmp_path),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), ANSIBLE_NOCOLOR='1')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-doc')] + list(args)
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_ansible_doc_lists_every_module_with_the_info_modules(collections_path, tmp_path):
    listed = [line.split()[0] for line in ansible_doc(collections_path, tmp_path, '-l', 'hwcloud.dcs').splitlines()
              if line.startswith('hwcloud.dcs.')]
    assert {'hwcloud.dcs.instance_info', 'hwcloud.dcs.backup_info'} <= set(listed)
    assert sorted(listed) == ['hwcloud.dcs.' + name for name in MODULES]


@pytest.mark.parametrize('module', ['instance_info', 'backup_info'])
def test_the_info_modules_documentation_renders(collections_path, tmp_path, module):
    text = ansible_doc(collections_path, tmp_path, 'hwcloud.dcs.' + module)
    assert 'hwcloud.dcs.%s' % module in text and 'EXAMPLES' in text and 'RETURN VALUES' in text
