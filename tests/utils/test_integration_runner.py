# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/utils/integration.py with several fidelity sets: they run side by side, and any failing set fails the run.

The children here are small Python scripts in place of the per-set runs (which need minutes): each one waits
until the other has started, so a runner that ran the sets one after the other would fail the test.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import integration  # noqa: E402  pylint: disable=wrong-import-position

CHILD = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    name, other, marks, status = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    (marks / name).touch()
    deadline = time.monotonic() + 60
    while not (marks / other).exists():
        if time.monotonic() > deadline:
            print("integration: %s never saw %s start" % (name, other))
            sys.exit(9)
        time.sleep(0.05)
    print("integration: fidelity %s" % name, flush=True)
    print("Running target_%s integration test role" % name, flush=True)
    print("detail of %s" % name, flush=True)
    sys.exit(status)
''')


def children(tmp_path, statuses: dict):
    """command_for: each set's child waits for the other set's child (two sets), then exits with its status."""
    names = list(statuses)

    def command_for(name, args):
        other = names[1 - names.index(name)]
        return [sys.executable, "-c", CHILD, name, other, str(tmp_path), str(statuses[name])] + args
    return command_for


def test_sets_run_side_by_side_and_each_output_comes_in_one_block(tmp_path, capsys):
    status = integration.run_sets_concurrently(["documented", "opposite"], [],
                                               children(tmp_path, {"documented": 0, "opposite": 0}))
    out = capsys.readouterr().out
    assert status == 0
    for name in ("documented", "opposite"):
        assert "[%s] integration: fidelity %s\n" % (name, name) in out
        assert "[%s] Running target_%s integration test role\n" % (name, name) in out
        assert "[%s] detail of" % name not in out  # only progress lines come as they come
        block = out.split("==== integration, fidelity %s: exit status 0" % name)[1]
        block = block.split("==== end of integration, fidelity %s" % name)[0]
        assert "detail of %s\n" % name in block and "fidelity %s\n" % name in block
    assert "integration: documented passed in " in out and ", opposite passed in " in out


@pytest.mark.parametrize("failing", ["documented", "opposite"])
def test_a_failing_set_fails_the_run_after_every_set_ended(tmp_path, capsys, failing):
    statuses = {"documented": 0, "opposite": 0}
    statuses[failing] = 3
    status = integration.run_sets_concurrently(list(statuses), [], children(tmp_path, statuses))
    out = capsys.readouterr().out
    assert status == 3
    assert "==== integration, fidelity %s: exit status 3" % failing in out
    assert "%s FAILED in " % failing in out
    assert out.count("==== end of integration, fidelity") == 2


def test_sets_are_taken_from_each_fidelity_option_else_from_dcs_fidelity(monkeypatch):
    monkeypatch.setenv("DCS_FIDELITY", "opposite random:7")
    assert integration.split_fidelity(["-v", "migration_task_import"]) == (
        ["opposite", "random:7"], ["-v", "migration_task_import"])
    assert integration.split_fidelity(["--fidelity", "documented", "--fidelity", "opposite,failed_status=FAILED",
                                       "-v"]) == (["documented", "opposite,failed_status=FAILED"], ["-v"])
    monkeypatch.delenv("DCS_FIDELITY")
    assert integration.split_fidelity([]) == (["documented"], [])
    with pytest.raises(SystemExit, match="--fidelity needs a set"):
        integration.split_fidelity(["--fidelity"])
