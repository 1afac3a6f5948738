# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The import engine: real Redis servers behind instances, buckets, backup formats and the import itself.

Independent of HTTP; ``setup(emulator)`` (in ``dcs_emulator.importer.plugin``) wires it into the emulator.
"""

from dcs_emulator.importer.binaries import BinaryNotFound, ServerBinary, default_binary, describe
from dcs_emulator.importer.buckets import BucketError, LocalBucket, S3Bucket, open_bucket
from dcs_emulator.importer.engine import FULL_MIGRATION, ImportFailed, ImportStopped, Source, import_backup, local_source
from dcs_emulator.importer.formats import FormatError, Unit, expand
from dcs_emulator.importer.servers import ExternalServer, ManagedServer, ServerFailed, StagingServer


def setup(emulator):
    """Plug the engine into the emulator (called by its app factory); see dcs_emulator.importer.plugin."""
    from dcs_emulator.importer.plugin import setup as plugin_setup  # pylint: disable=import-outside-toplevel
    return plugin_setup(emulator)


__all__ = [
    "setup",
    "BinaryNotFound", "ServerBinary", "default_binary", "describe",
    "BucketError", "LocalBucket", "S3Bucket", "open_bucket",
    "FULL_MIGRATION", "ImportFailed", "ImportStopped", "Source", "import_backup", "local_source",
    "FormatError", "Unit", "expand",
    "ExternalServer", "ManagedServer", "ServerFailed", "StagingServer",
]
