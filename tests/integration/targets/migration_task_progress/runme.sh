#!/usr/bin/env bash
# A 70 s import with wait=true prints progress lines while it runs (default callback, no async/poll).
# Arguments from ansible-test (-v...) are passed to ansible-playbook.
set -eu -o pipefail

out=$(ansible-playbook progress.yml "$@" 2>&1) || { printf '%s\n' "$out"; exit 1; }
printf '%s\n' "$out"

# localhost: it-progress-import (<task id>): MIGRATING, ..., 35 s elapsed
lines=$(grep -cE '^localhost: it-progress-import \([0-9a-f-]+\): MIGRATING, .*[0-9]+ s elapsed$' <<<"$out" || true)
if [ "$lines" -lt 2 ]; then
    echo "FAIL: expected at least 2 progress lines while the import ran, got $lines" >&2
    exit 1
fi
echo "OK: $lines progress lines"
