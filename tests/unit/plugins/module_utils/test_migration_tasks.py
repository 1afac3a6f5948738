# -*- coding: utf-8 -*-
# Copyright: hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.dcs.plugins.module_utils.migration_tasks import scrub, to_plain
from ansible_collections.hwcloud.dcs.plugins.module_utils.sdk import load_sdk


def test_scrub_removes_passwords_at_any_depth():
    value = {'password': 'a', 'target_instance': {'id': 'i', 'password': 'b'},
             'list': [{'source_password': 'c', 'ok': 1}]}
    assert scrub(value) == {'target_instance': {'id': 'i'}, 'list': [{'ok': 1}]}


def test_to_plain_converts_nested_models_to_dicts():
    sdk = load_sdk()
    files = [sdk.model('Files')(file_name='a.rdb', size='1')]
    body = sdk.model('BackupFilesBody')(file_source='self_build_obs', bucket_name='b', files=files)
    assert to_plain(body) == {'file_source': 'self_build_obs', 'bucket_name': 'b', 'backup_id': None,
                              'files': [{'file_name': 'a.rdb', 'size': '1', 'update_at': None}]}
