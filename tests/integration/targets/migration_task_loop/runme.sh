#!/usr/bin/env bash
# Where migration_task runs: in a fork of the worker process for `here` (local connection, the playbook's
# Python), in module processes for `elsewhere` (local connection, another interpreter, as a remote host would)
# and for a task delegated to it. loop.yml checks that the results are alike; this script checks where each run
# happened (ansible -vvv output and the log of elsewhere's interpreter) and that no secret was printed.
# Arguments from ansible-test (-v...) are passed to ansible-playbook.
set -eu -o pipefail

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
wrapper=$workdir/python-elsewhere
cat > "$workdir/inventory.ini" <<INI
here ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
elsewhere ansible_connection=local ansible_python_interpreter=$wrapper
INI

out=$(ANSIBLE_ROLES_PATH=.. ansible-playbook -i "$workdir/inventory.ini" loop.yml -e "wrapper=$wrapper" -vvv "$@" 2>&1) \
    || { printf '%s\n' "$out"; exit 1; }
printf "%s\n" "$out" | grep -E '^(TASK|PLAY|ok|changed|fatal|here|elsewhere|hwcloud)' || true

fail() { echo "FAIL: $*" >&2; exit 1; }
secrets=$(python -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1]))
print(c["dcs_secret_key"]); print(c["dcs_instance_password"])' ../../integration_config.yml)
while read -r secret; do
    if grep -qF -e "$secret" <<<"$out"; then fail "a secret appears in the output"; fi
done <<<"$secrets"

in_worker=$(grep -c '^hwcloud.dcs.migration_task runs in the worker process' <<<"$out" || true)
[ "$in_worker" -ge 8 ] || fail "expected at least 8 runs of migration_task in the worker (here), got $in_worker"
info_in_worker=$(grep -c '^hwcloud.dcs.migration_task_info runs in the worker process' <<<"$out" || true)
[ "$info_in_worker" -ge 1 ] || fail "the wait's migration_task_info runs of here should run in the worker"
elsewhere=$(grep -c "^hwcloud.dcs.migration_task runs in a module process: its interpreter is $wrapper" <<<"$out" || true)
[ "$elsewhere" -ge 10 ] || fail "expected at least 10 migration_task runs through elsewhere's interpreter, got $elsewhere"
started=$(grep -c 'AnsiballZ_migration_task\.py' "$wrapper.log" || true)
[ "$started" -eq "$elsewhere" ] || fail "elsewhere's interpreter started $started migration_task processes for $elsewhere runs"
info_elsewhere=$(grep -c "^hwcloud.dcs.migration_task_info runs in a module process: its interpreter is $wrapper" <<<"$out" || true)
[ "$info_elsewhere" -ge 1 ] || fail "migration_task_info of elsewhere should run in a module process"
lookups_in_worker=$(grep -c '^hwcloud.dcs.instance_info runs in the worker process' <<<"$out" || true)
[ "$lookups_in_worker" -eq 2 ] || fail "expected the 2 instance_info runs of here in the worker, got $lookups_in_worker"
lookups_started=$(grep -c 'AnsiballZ_instance_info\.py' "$wrapper.log" || true)
[ "$lookups_started" -eq 2 ] || fail "expected 2 instance_info processes through elsewhere's interpreter, got $lookups_started"
# No migration_task or instance_info process of here: every one started through elsewhere's interpreter.
interpreters=$(grep -oE "EXEC /bin/sh -c '[^ ]+ [^ ']*AnsiballZ_(migration_task|instance_info)\.py" <<<"$out" \
               | cut -d"'" -f2 | cut -d' ' -f1 | sort -u)
[ "$interpreters" = "$wrapper" ] || fail "module processes ran with: $interpreters (expected only $wrapper)"
ANSIBLE_ROLES_PATH=.. ansible-playbook verify_keys.yml "$@"
echo "OK: $in_worker migration_task, $info_in_worker migration_task_info and $lookups_in_worker instance_info runs in the" \
     "worker (here);" \
     "$started migration_task processes through elsewhere's interpreter (elsewhere, delegated)"
