#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: obs_object
short_description: Upload a local backup file to an OBS bucket, unless the same file is there already
version_added: 0.2.0
description:
  - Uploads the file O(src) on the host that runs the module to the OBS bucket O(bucket) as O(object_name),
    through OBS's S3-compatible API (boto3, signature version 4, path-style addressing).
  - Skips the upload when the bucket already holds an object of that name with the same size and checksum
    (the SHA-256 the module stores in the object's metadata, or the object's MD5 ETag for an object uploaded in
    one part by another tool); the module then reports no change.
  - Files larger than O(part_size_mb) are uploaded in parts; RV(progress) shows how far the upload got.
  - Returns the object's size and last modification time as the create call of M(hwcloud.dcs.migration_task)
    takes them (RV(size), RV(update_at)).
author:
  - hwcloud.dcs developers (@hwcloud-dcs)
options:
  endpoint:
    description:
      - OBS endpoint URL, for example C(https://obs.cn-north-4.myhuaweicloud.com).
      - Falls back to the environment variable E(HUAWEICLOUD_SDK_OBS_ENDPOINT).
    type: str
    required: true
  region:
    description:
      - Region of the bucket (part of the signature).
      - Falls back to E(HW_REGION_NAME).
    type: str
    required: true
  access_key:
    description:
      - Access key ID. Falls back to E(HUAWEICLOUD_SDK_AK), E(CLOUD_SDK_AK), E(HW_ACCESS_KEY).
    type: str
    required: true
  secret_key:
    description:
      - Secret access key. Never shown. Falls back to E(HUAWEICLOUD_SDK_SK), E(CLOUD_SDK_SK), E(HW_SECRET_KEY).
    type: str
    required: true
  security_token:
    description:
      - Security token of temporary credentials. Never shown. Falls back to E(HUAWEICLOUD_SDK_SECURITY_TOKEN).
    type: str
  validate_certs:
    description: Verify the endpoint's TLS certificate.
    type: bool
    default: true
  bucket:
    description: Name of the bucket.
    type: str
    required: true
  src:
    description: Path of the file to upload, on the host that runs the module.
    type: path
    required: true
  object_name:
    description:
      - Object name (key) in the bucket. Default the file name of O(src).
      - Must stay inside the bucket, no C(..) component, no leading C(/), no backslash.
    type: str
  part_size_mb:
    description:
      - Files larger than this many MiB are uploaded in parts of this size (at least 5, as S3 and OBS require).
    type: int
    default: 64
attributes:
  check_mode:
    description: In check mode the module looks at the bucket and reports whether it would upload; it uploads nothing.
    support: full
  diff_mode:
    description: No diff.
    support: none
requirements:
  - boto3 >= 1.36
notes:
  - OBS answers the S3 API with signature version 4; the module uses the official AWS SDK (boto3) for it rather than
    a client of its own.
  - The checksum is read from the whole file once per run (SHA-256 and MD5 together).
'''

EXAMPLES = r'''
- name: Upload a local RDB file, then import it into DCS
  block:
    - name: Upload the file to the bucket the import reads (skipped when the same file is there)
      hwcloud.dcs.obs_object:
        endpoint: https://obs.cn-north-4.myhuaweicloud.com
        region: cn-north-4
        access_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SDK_AK') }}"
        secret_key: "{{ lookup('ansible.builtin.env', 'HUAWEICLOUD_SDK_SK') }}"
        bucket: redis-backups
        src: /backups/dump.rdb
      register: uploaded

    - name: Import it
      hwcloud.dcs.migration_task:
        task_name: import-dump
        migration_method: full_amount_migration
        backup_files:
          file_source: self_build_obs
          bucket_name: redis-backups
          files:
            - file_name: "{{ uploaded.object_name }}"
              size: "{{ uploaded.size }}"
              update_at: "{{ uploaded.update_at }}"
        target_instance:
          id: d2c8399f-bdba-43c1-8069-3ff17a1a79d5
          password: "{{ vault_redis_password }}"
'''

RETURN = r'''
bucket:
  description: The bucket.
  returned: always
  type: str
  sample: redis-backups
object_name:
  description: The object's name in the bucket.
  returned: always
  type: str
  sample: dump.rdb
size:
  description: The file's size in bytes, as a string (the form the import's create call takes).
  returned: always
  type: str
  sample: "1048576"
checksum:
  description: The file's SHA-256, hexadecimal.
  returned: always
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
update_at:
  description:
    - The object's last modification time in UTC, C(YYYY-MM-DDTHH:MM:SS.sssZ) as OBS shows it.
    - Null in check mode when the object would be uploaded (it does not exist yet in that form).
  returned: always
  type: str
  sample: "2026-12-01T11:40:00.000Z"
uploaded:
  description: Whether the file was uploaded (or, in check mode, would be).
  returned: always
  type: bool
  sample: true
parts:
  description: Number of parts the file is uploaded in (1 for a single PUT, 0 when nothing was uploaded).
  returned: always
  type: int
  sample: 3
progress:
  description: How far the upload got, one line per tenth of the file, as the parts were sent.
  returned: always
  type: list
  elements: str
  sample: ["10% (6.4 MiB of 64.0 MiB)", "100% (64.0 MiB of 64.0 MiB)"]
'''

import hashlib
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hwcloud.dcs.plugins.module_utils.options import ENV_FALLBACKS, non_empty_env_fallback

BOTO3_IMPORT_ERROR = None
try:
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    BOTO3_IMPORT_ERROR = traceback.format_exc()

MIB = 1024 * 1024
MIN_PART_MIB = 5  # the smallest part S3 and OBS take (the last part excepted)
CHECKSUM_METADATA = 'sha256'


def env(name):
    return (non_empty_env_fallback, ENV_FALLBACKS[name])


ARGUMENT_SPEC = dict(
    endpoint=dict(type='str', required=True, fallback=(non_empty_env_fallback, ['HUAWEICLOUD_SDK_OBS_ENDPOINT'])),
    region=dict(type='str', required=True, fallback=env('region')),
    access_key=dict(type='str', required=True, no_log=False, fallback=env('access_key')),
    secret_key=dict(type='str', required=True, no_log=True, fallback=env('secret_key')),
    security_token=dict(type='str', no_log=True, fallback=env('security_token')),
    validate_certs=dict(type='bool', default=True),
    bucket=dict(type='str', required=True),
    src=dict(type='path', required=True),
    object_name=dict(type='str'),
    part_size_mb=dict(type='int', default=64),
)


def object_name_problem(name):
    if not name or name.startswith('/') or '\\' in name or '\x00' in name or '..' in name.split('/'):
        return 'object_name %r must stay inside the bucket (no "..", no leading "/", no backslash)' % name
    return None


def file_digests(path):
    """(SHA-256, MD5) of the file, hexadecimal, read once in 1 MiB chunks."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(MIB), b''):
            sha256.update(chunk)
            md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def obs_time(moment):
    """An object's LastModified as OBS shows it, UTC with milliseconds."""
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (moment.microsecond // 1000)


def api_error(exc, action):
    """A one-line message naming the S3/OBS error code, message, HTTP status and request ID."""
    if isinstance(exc, ClientError):
        error = exc.response.get('Error', {})
        meta = exc.response.get('ResponseMetadata', {})
        return ('%s failed: error_code %s, error_msg %s, status_code %s, request_id %s'
                % (action, error.get('Code'), error.get('Message') or '', meta.get('HTTPStatusCode'),
                   meta.get('RequestId') or meta.get('HTTPHeaders', {}).get('x-obs-request-id') or ''))
    return '%s failed: %s' % (action, ' '.join(str(exc).split()))


def amount(size):
    return '%.1f MiB' % (size / float(MIB)) if size >= MIB else '%d bytes' % size


class Progress(object):
    """Collects one line per tenth of the file as boto3 reports the bytes sent."""

    def __init__(self, total, module):
        self.total, self.sent, self.shown, self.lines, self.module = total, 0, 0, [], module

    def __call__(self, sent):
        self.sent += sent
        tenth = self.sent * 10 // self.total if self.total else 10
        if tenth > self.shown:
            self.shown = tenth
            line = '%d%% (%s of %s)' % (tenth * 10, amount(self.sent), amount(self.total))
            self.lines.append(line)
            self.module.log('obs_object upload: %s' % line)


def same_object(head, size, sha256, md5):
    if head is None or head.get('ContentLength') != size:
        return False
    if head.get('Metadata', {}).get(CHECKSUM_METADATA) == sha256:
        return True
    return head.get('ETag', '').strip('"') == md5


def make_client(params):
    return boto3.client(
        's3', endpoint_url=params['endpoint'], region_name=params['region'],
        aws_access_key_id=params['access_key'], aws_secret_access_key=params['secret_key'],
        aws_session_token=params['security_token'], verify=params['validate_certs'],
        # OBS takes neither boto3's default CRC32 checksum headers nor aws-chunked bodies: send them only where
        # an operation requires them (none of those the module calls).
        config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}, retries={'max_attempts': 3},
                      request_checksum_calculation='when_required', response_checksum_validation='when_required'))


def head_object(client, bucket, name):
    try:
        return client.head_object(Bucket=bucket, Key=name)
    except ClientError as exc:
        if str(exc.response.get('Error', {}).get('Code')) in ('404', 'NoSuchKey', 'NotFound'):
            return None
        raise


def run(module):
    params = module.params
    src = params['src']
    name = params['object_name'] or os.path.basename(src)
    if not os.path.isfile(src):
        module.fail_json(msg='src %s is not a readable file on this host' % src)
    problem = object_name_problem(name)
    if problem:
        module.fail_json(msg=problem)
    if params['part_size_mb'] < MIN_PART_MIB:
        module.fail_json(msg='part_size_mb must be %d or more, got %d' % (MIN_PART_MIB, params['part_size_mb']))
    size = os.path.getsize(src)
    sha256, md5 = file_digests(src)
    part_size = params['part_size_mb'] * MIB
    result = dict(changed=False, bucket=params['bucket'], object_name=name, size=str(size), checksum=sha256,
                  update_at=None, uploaded=False, parts=0, progress=[])
    client = make_client(params)
    action = 'Looking up object %s in bucket %s' % (name, params['bucket'])
    try:
        head = head_object(client, params['bucket'], name)
        if same_object(head, size, sha256, md5):
            result['update_at'] = obs_time(head['LastModified'])
            return result
        result.update(changed=True, uploaded=True, parts=-(-size // part_size) if size > part_size else 1)
        if module.check_mode:
            return result
        action = 'Uploading %s to bucket %s as %s' % (src, params['bucket'], name)
        progress = Progress(size, module)
        client.upload_file(src, params['bucket'], name, ExtraArgs={'Metadata': {CHECKSUM_METADATA: sha256}},
                           Callback=progress,
                           Config=TransferConfig(multipart_threshold=part_size + 1, multipart_chunksize=part_size,
                                                 use_threads=False))
        result['progress'] = progress.lines
        action = 'Looking up the uploaded object %s in bucket %s' % (name, params['bucket'])
        result['update_at'] = obs_time(client.head_object(Bucket=params['bucket'], Key=name)['LastModified'])
    except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
        module.fail_json(msg=api_error(exc, action))
    return result


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if BOTO3_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    module.exit_json(**run(module))


if __name__ == '__main__':
    main()
