# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the collection tarball from the files git knows about (shared by build_check.py and ee_check.py).

Building from a copy of the tracked and untracked-but-not-ignored files (the same list
tests/utils/ansible-test.sh uses) keeps tool caches such as .ansible/ or .build/ out of the
tarball even when galaxy.yml's build_ignore does not list them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def git_files(root=ROOT):
    """Tracked files plus untracked files git does not ignore, as paths relative to root."""
    out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                         cwd=root, check=True, capture_output=True).stdout
    return [name for name in out.decode().split('\0') if name and (root / name).is_file()]


def copy_collection(dest, root=ROOT):
    """Copy the collection's files into dest (which must not exist) and return dest."""
    dest = Path(dest)
    for name in git_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


def build_tarball(output_dir, root=ROOT):
    """Run `ansible-galaxy collection build` on a clean copy; return the tarball's path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='hwcloud-dcs-build-') as tmp:
        src = copy_collection(Path(tmp) / 'dcs', root)
        run(['ansible-galaxy', 'collection', 'build', '--force', '--output-path', str(output_dir), str(src)])
    tarballs = sorted(output_dir.glob('hwcloud-dcs-*.tar.gz'), key=os.path.getmtime)
    if not tarballs:
        sys.exit('ansible-galaxy collection build wrote no hwcloud-dcs-*.tar.gz into %s' % output_dir)
    return tarballs[-1]


def run(cmd, **kwargs):
    """Run a command, echoing it; a failure ends the script with the command's exit code."""
    cmd = [str(part) for part in cmd]
    # Prefer the tool next to this interpreter: the script may run without its venv on PATH.
    cmd[0] = shutil.which(cmd[0], path=os.path.dirname(sys.executable)) or cmd[0]
    print('+ ' + ' '.join(cmd), flush=True)
    result = subprocess.run(cmd, check=False, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)
    return result
