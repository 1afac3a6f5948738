#!/usr/bin/env bash
# Ad-hoc use: `ansible localhost -m hwcloud.dcs.migration_task -a '...'` with the credentials in environment
# variables (as an AWX credential injects them). Create, idempotent re-run, keys verified, a bad option
# value, removal; then the vendor's create example (size "754.0MB") in check mode, created, and re-run; the
# same for the file values of the Terraform provider's acceptance test (size "0.09KB", update_at ISO 8601).
# Arguments from ansible-test (-v...) are passed to every ansible command.
set -eu -o pipefail
ansible_args=("$@")  # kept: an EXIT trap that fires inside a function would see that function's "$@"

config=../../integration_config.yml
verify_script=../setup_dcs/files/redis_keys.py
py=python

# The integration config's values this script needs, as shell assignments.
eval "$("$py" - "$config" <<'PY'
import shlex, sys, yaml
with open(sys.argv[1]) as handle:
    c = yaml.safe_load(handle)
values = dict(HUAWEICLOUD_SDK_AK=c['dcs_access_key'], HUAWEICLOUD_SDK_SK=c['dcs_secret_key'],
              HUAWEICLOUD_SDK_PROJECT_ID=c['dcs_project_id'], ENDPOINT=c['dcs_endpoint'],
              BUCKET=c['dcs_bucket'], BACKUP_FILE=c['dcs_backups']['adhoc']['file'],
              PREFIX=c['dcs_backups']['adhoc']['prefix'], INSTANCE_ID=c['dcs_instance_id'],
              INSTANCE_NAME=c['dcs_instance_name'],
              REDIS_PASSWORD=c['dcs_instance_password'], REDIS_HOST=c['dcs_redis_host'],
              REDIS_PORT=str(c['dcs_redis_port']))
for name, value in values.items():
    print('%s=%s' % (name, shlex.quote(value)))
PY
)"
export HUAWEICLOUD_SDK_AK HUAWEICLOUD_SDK_SK HUAWEICLOUD_SDK_PROJECT_ID

task_name=it-adhoc-import
vendor_task_name=migration1  # the name in the vendor's create example
terraform_task_name=it-adhoc-terraform
module_args() {  # $1: extra JSON members
    printf '{"endpoint": "%s", "task_name": "%s", "backup_files": {"bucket_name": "%s", "files": [{"file_name": "%s"}]}, "target_instance": {"id": "%s", "password": "%s"}%s}' \
        "$ENDPOINT" "$task_name" "$BUCKET" "$1" "$INSTANCE_ID" "$REDIS_PASSWORD" "${2:-}"
}

# The result of an ad-hoc run, from its "localhost | STATUS => {...}" line on (the JSON spans lines);
# everything it printed goes to stderr for the log. Fails if a secret shows anywhere.
adhoc() {
    local out
    out=$(ansible localhost -m hwcloud.dcs.migration_task -a "$1" "${@:2}" 2>&1) || true
    printf '%s\n' "$out" >&2
    if grep -qF -e "$HUAWEICLOUD_SDK_SK" -e "$REDIS_PASSWORD" <<<"$out"; then
        echo "FAIL: a secret appears in the output" >&2
        exit 1
    fi
    sed -n '/^localhost | /,$p' <<<"$out" | grep .
}

field() {  # field NAME < result: a top-level value of the JSON after "=>"
    "$py" -c 'import json, sys; text = sys.stdin.read().split("=> ", 1)[1]
print(json.JSONDecoder().raw_decode(text)[0].get(sys.argv[1], ""))' "$1"
}

expect() {  # expect WHAT CONDITION...
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what" >&2
        exit 1
    fi
    echo "ok: $what"
}

cleanup() {
    local name
    for name in "$task_name" "$vendor_task_name" "$terraform_task_name"; do
        adhoc "{\"endpoint\": \"$ENDPOINT\", \"task_name\": \"$name\", \"state\": \"absent\"}" "${ansible_args[@]}" >/dev/null || true
    done
}
trap cleanup EXIT

created=$(adhoc "$(module_args "$BACKUP_FILE")" "${ansible_args[@]}")
task_id=$(field task_id <<<"$created")
expect "the ad-hoc create reports CHANGED" grep -q '^localhost | CHANGED => ' <<<"$created"
expect "it prints the task ID ($task_id)" test -n "$task_id"
expect "the task ended SUCCESS" grep -qE '"status": "(SUCCESS|RELEASED)"' <<<"$created"

again=$(adhoc "$(module_args "$BACKUP_FILE")" "${ansible_args[@]}")
expect "the ad-hoc re-run reports SUCCESS (not changed)" grep -q '^localhost | SUCCESS => ' <<<"$again"
expect "the re-run shows the same task ID" test "$(field task_id <<<"$again")" = "$task_id"

found=$(REDIS_PASSWORD=$REDIS_PASSWORD "$py" "$verify_script" --host "$REDIS_HOST" --port "$REDIS_PORT" --prefix "$PREFIX")
expected=$("$py" - "$config" <<'PY'
import json, sys, yaml
with open(sys.argv[1]) as handle:
    print(json.dumps(yaml.safe_load(handle)['dcs_backups']['adhoc']['databases'], sort_keys=True))
PY
)
expect "every key of the backup arrived in the target Redis: $found" test "$found" = "$expected"

bad=$(adhoc "$(module_args backup.txt)" "${ansible_args[@]}")
expect "a bad file name fails" grep -q '^localhost | FAILED! => ' <<<"$bad"
expect "with one line naming the option" grep -qF "backup_files.files[0].file_name 'backup.txt' must end in .rdb" <<<"$bad"

removed=$(adhoc "{\"endpoint\": \"$ENDPOINT\", \"task_name\": \"$task_name\", \"state\": \"absent\"}" "${ansible_args[@]}")
expect "state=absent removes the task" grep -q '^localhost | CHANGED => ' <<<"$removed"
expect "and names it" test "$(field task_id <<<"$removed")" = "$task_id"

# The example request of the vendor's create page, value for value, except what must name something that
# exists here: the instance (ID, name, password), the bucket ("bucketName" is no OBS bucket name) and the
# file ("fileName" has none of the suffixes the service imports). Its size "754.0MB" is the example's own.
vendor_example() {
    printf '{"endpoint": "%s", "task_name": "%s", "description": "Test", "migration_type": "backupfile_import", "migration_method": "full_amount_migration", "backup_files": {"bucket_name": "%s", "file_source": "self_build_obs", "files": [{"size": "754.0MB", "file_name": "%s"}]}, "target_instance": {"id": "%s", "name": "%s", "password": "%s"}}' \
        "$ENDPOINT" "$vendor_task_name" "$BUCKET" "$BACKUP_FILE" "$INSTANCE_ID" "$INSTANCE_NAME" "$REDIS_PASSWORD"
}

checked=$(adhoc "$(vendor_example)" --check "${ansible_args[@]}")
expect "the vendor's example in check mode would create the task" grep -q '^localhost | CHANGED => ' <<<"$checked"
listed=$(adhoc "{\"endpoint\": \"$ENDPOINT\", \"task_name\": \"$vendor_task_name\", \"state\": \"absent\"}" --check "${ansible_args[@]}")
expect "and created nothing" grep -q '^localhost | SUCCESS => ' <<<"$listed"

created=$(adhoc "$(vendor_example)" "${ansible_args[@]}")
expect "the vendor's example creates a task that ends SUCCESS" grep -qE '"status": "(SUCCESS|RELEASED)"' <<<"$created"
expect "the service echoes the size as given" grep -q '"size": "754.0MB"' <<<"$created"
again=$(adhoc "$(vendor_example)" "${ansible_args[@]}" 2>&1)  # warnings come before the result line
printf '%s\n' "$again" >&2
expect "its re-run is unchanged" grep -q '^localhost | SUCCESS => ' <<<"$again"
# (the display wraps a warning's lines: compare with them joined)
expect "with every option compared (no warning)" bash -c '! tr -s " \n" "  " <<<"$1" | grep -q "not compared with the task"' _ "$again"

# The file values of the Terraform provider's acceptance test (its file name aside, which names no file here).
terraform_example() {
    printf '{"endpoint": "%s", "task_name": "%s", "backup_files": {"bucket_name": "%s", "file_source": "self_build_obs", "files": [{"file_name": "%s", "size": "0.09KB", "update_at": "2025-07-22T11:57:24.401Z"}]}, "target_instance": {"id": "%s", "password": "%s"}}' \
        "$ENDPOINT" "$terraform_task_name" "$BUCKET" "$BACKUP_FILE" "$INSTANCE_ID" "$REDIS_PASSWORD"
}

checked=$(adhoc "$(terraform_example)" --check "${ansible_args[@]}")
expect "Terraform's file values in check mode would create the task" grep -q '^localhost | CHANGED => ' <<<"$checked"
created=$(adhoc "$(terraform_example)" "${ansible_args[@]}")
expect "they create a task that ends SUCCESS" grep -qE '"status": "(SUCCESS|RELEASED)"' <<<"$created"
expect "the service echoes the size and time as given" bash -c 'grep -q "\"size\": \"0.09KB\"" <<<"$1" && grep -q "\"update_at\": \"2025-07-22T11:57:24.401Z\"" <<<"$1"' _ "$created"
again=$(adhoc "$(terraform_example)" "${ansible_args[@]}" 2>&1)
printf '%s\n' "$again" >&2
expect "its re-run is unchanged" grep -q '^localhost | SUCCESS => ' <<<"$again"
