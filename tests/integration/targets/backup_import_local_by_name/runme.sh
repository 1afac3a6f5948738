#!/usr/bin/env bash
# A playbook that knows only an instance name and a local dump.rdb (import.yml) imports it against the emulator;
# the same playbook run again changes nothing (its recap says changed=0); verify.yml then checks the task and
# the keys in the target Redis.
set -eu -o pipefail

config=../../integration_config.yml
out=$(mktemp)
trap 'rm -f "$out"' EXIT
recap='^localhost +: ok=[0-9]+ +changed=([0-9]+) +unreachable=0 +failed=0 '

ANSIBLE_ROLES_PATH=.. ansible-playbook import.yml -e "@$config" "$@" | tee "$out"
first=$(grep -E "$recap" "$out" | sed -E "s/$recap.*/\1/")
if [ -z "$first" ] || [ "$first" -lt 2 ]; then
    echo "FAIL: the first run should upload the dump and create the task (changed >= 2), recap says changed=${first:-?}" >&2
    exit 1
fi
grep -q 'dump.rdb: uploaded in 1 part(s): .*100% ' "$out" || { echo "FAIL: no upload progress shown" >&2; exit 1; }

ANSIBLE_ROLES_PATH=.. ansible-playbook import.yml -e "@$config" "$@" | tee "$out"
second=$(grep -E "$recap" "$out" | sed -E "s/$recap.*/\1/")
if [ "$second" != 0 ]; then
    echo "FAIL: the second run changed something (changed=${second:-?})" >&2
    exit 1
fi
grep -q 'dump.rdb: already there (same size and checksum)' "$out" || { echo "FAIL: the second run did not skip the upload" >&2; exit 1; }
echo "ok: the first run changed $first, the second none"

ANSIBLE_ROLES_PATH=.. ansible-playbook verify.yml -e "@$config" "$@"
