#!/usr/bin/env bash
# The hwcloud.dcs.backup_import role against the emulator (playbook role_test.yml), run at high verbosity:
# the output, every task result included, must never show the Redis password or the secret key.
# Then verify_keys.yml checks what the role imported into the target Redis.
set -eu -o pipefail

config=../../integration_config.yml
secrets=$(python - "$config" <<'PY'
import sys, yaml
with open(sys.argv[1]) as handle:
    c = yaml.safe_load(handle)
print(c['dcs_instance_password'])
print(c['dcs_secret_key'])
PY
)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
ANSIBLE_ROLES_PATH=.. ansible-playbook role_test.yml -e "@$config" -vvv "$@" >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
    echo "FAIL: role_test.yml failed (exit $status)" >&2
    exit "$status"
fi
while IFS= read -r secret; do
    if [ -n "$secret" ] && grep -qF -- "$secret" "$out"; then
        echo "FAIL: a secret appears in the output of role_test.yml" >&2
        exit 1
    fi
done <<<"$secrets"
echo "ok: no secret in $(wc -l <"$out") lines of -vvv output"

# While the role waited for the 40 s import it printed progress lines (at most one per 10 s); the quick imports,
# final before a line was due, got none.
progress='^localhost: it-role-progress \([0-9a-f-]+\): MIGRATING, .*[0-9]+ s elapsed$'
lines=$(grep -cE "$progress" "$out" || true)
if [ "$lines" -lt 2 ]; then
    echo "FAIL: expected at least 2 progress lines while the role waited for it-role-progress, got $lines" >&2
    exit 1
fi
if grep -qE '^localhost: it-role-(a|b|missing) \(' "$out"; then
    echo "FAIL: a progress line for an import that was final before a line was due" >&2
    exit 1
fi
echo "ok: $lines progress lines while the role waited"

ANSIBLE_ROLES_PATH=.. ansible-playbook verify_keys.yml -e "@$config" "$@"
