#!/usr/bin/env bash
# Run ansible-test from the layout it insists on (.../ansible_collections/hwcloud/dcs).
#
# Usage: tests/utils/ansible-test.sh <ansible-test arguments...>
#
# The repo root is the collection root, but a clone is rarely checked out under
# ansible_collections/hwcloud/dcs, so we copy the files git knows about (tracked,
# plus untracked ones it does not ignore) into a build folder's ansible_collections/hwcloud/dcs
# and run there. A copy rather than a symlink: ansible-test resolves symlinks and
# would then refuse the real path.
#
# ansible-test bootstraps pip in its virtual environments with a get-pip script from
# a host we cannot reach; when ~/.ansible/test/cache/get_pip_<version>.py exists it
# uses that instead. We place a small stand-in there that installs pip from the
# pip wheel on PyPI.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$root/.venv}
python=$venv/bin/python
# Outside the repo: inside it, ansible-test would ask the repo's git for the file list
# and skip everything under the ignored build folder. A fresh folder per run, so that
# parallel runs (sanity beside units beside integration) never delete each other's copy;
# it is removed after a passing run and kept (with ansible-test's tests/output) after a failing one.
build=${HWCLOUD_DCS_BUILD_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hwcloud-dcs-test.XXXXXX")}
dest=$build/ansible_collections/hwcloud/dcs

sync_collection() {
    rm -rf "$dest"
    mkdir -p "$dest"
    (cd "$root" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
        | xargs -0 cp --parents -t "$dest")
}

install_get_pip_stand_in() {
    local version cache wheel
    # get_venv_packages() reads python.version on ansible-core 2.16 (pip 23.1.2), ignores it on 2.19 (pip 24.2).
    version=$("$python" -c 'import sys, types; from ansible_test._internal.python_requirements import get_venv_packages as g; print(g(types.SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])' 2>/dev/null || echo 24.2)
    cache=$HOME/.ansible/test/cache
    mkdir -p "$cache"
    wheel=$(ls "$cache"/pip-"$version"-*.whl 2>/dev/null | head -n 1 || true)
    # Downloaded and written beside the final names, then renamed: runs side by side (the fidelity sets of
    # `make integration`) never see each other's half-written file.
    if [ -z "$wheel" ]; then
        local download
        download=$(mktemp -d "$cache/download.XXXXXX")
        "$python" -m pip download -q --no-deps --only-binary=:all: -d "$download" "pip==$version"
        wheel=$(ls "$download"/pip-"$version"-*.whl | head -n 1)
        mv -f "$wheel" "$cache/"
        rm -rf "$download"
        wheel=$cache/$(basename "$wheel")
    fi
    local stand_in=$cache/get_pip_${version//./_}.py
    cat > "$stand_in.$$" <<PY
# Stand-in for get-pip.py: run pip from its wheel to install the packages asked for.
import runpy
import sys

WHEEL = "$wheel"
GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")
sys.path.insert(0, WHEEL)
sys.argv = ["pip", "install", "--find-links", "$cache"] + [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
PY
    mv -f "$stand_in.$$" "$stand_in"
}

# ansible-test reads target variables from tests/integration/integration_config.yml;
# the integration runner writes one per run (emulator address, keys) outside the repo.
copy_integration_config() {
    if [ -n "${INTEGRATION_CONFIG:-}" ]; then
        cp "$INTEGRATION_CONFIG" "$dest/tests/integration/integration_config.yml"
    fi
}

sync_collection
copy_integration_config
install_get_pip_stand_in
cd "$dest"
export PATH=$venv/bin:$PATH
status=0
ansible-test "$@" || status=$?
if [ "$status" -eq 0 ] && [ -z "${HWCLOUD_DCS_BUILD_DIR:-}" ]; then
    rm -rf "$build"
else
    echo "ansible-test ran in $dest (kept)" >&2
fi
exit "$status"
