# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line: ``dcs-emulator serve --config emulator.yml [--host 127.0.0.1] [--port 8443] [--data-dir DIR]``."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys

from dcs_emulator import config as config_mod
from dcs_emulator.logsafe import EscapingFormatter
from dcs_emulator.storage import StorageError

LOG = logging.getLogger("dcs_emulator")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dcs-emulator", description="Local Huawei Cloud DCS API emulator.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the DCS API")
    serve.add_argument("--config", required=True, help="YAML config file")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8443, help="port to bind (default: 8443)")
    serve.add_argument("--data-dir", help="SQLite and server data directory (overrides data_dir in the config)")
    serve.add_argument("--admin", action="store_true", help="enable the admin API under /_emulator/")
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="private key of --ssl-certfile (PEM)")
    serve.add_argument("--api-only", action="store_true",
                       help="do not load the import engine: tasks only check that their backup files exist")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", required=True)
    from dcs_emulator import samples  # pylint: disable=import-outside-toplevel  # like uvicorn: not at import time
    sample = commands.add_parser("sample-backup", help="write a sample RDB backup (every key type, TTLs) with a real server")
    samples.add_arguments(sample)
    sample.set_defaults(run=samples.run)
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args) -> int:
    import uvicorn  # pylint: disable=import-outside-toplevel  # keeps check-config and --help fast
    from dcs_emulator.app import create_app  # pylint: disable=import-outside-toplevel

    config = config_mod.with_overrides(config_mod.load(args.config), data_dir=args.data_dir, admin=args.admin)
    if not _is_loopback(args.host):
        LOG.warning("binding to %s: the emulator is reachable from other machines", args.host)
    try:
        app = create_app(config, load_extensions=not args.api_only)
    except OSError as exc:  # e.g. a data_dir it may not write: one line, not a traceback
        print("dcs-emulator: cannot start: %s" % exc, file=sys.stderr)
        return 2
    scheme = "https" if args.ssl_certfile else "http"
    LOG.info("DCS emulator on %s://%s:%d (region %s, data in %s, admin API %s)", scheme, args.host, args.port,
             config.region, config.data_dir, "on" if config.admin_enabled else "off")
    LOG.info("%s", config.fidelity.describe())  # the seed of a random set, to replay it
    # A long keep-alive, like the cloud's gateway: a pooled SDK connection closed by the server between two
    # polls would surface as a spurious connection error in the client.
    # log_config=None: uvicorn's own lines go through the root handler too, so they are escaped like ours.
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level=args.log_level, log_config=None,
                timeout_keep_alive=75, ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)
    return 0


def missing_files(config) -> list:
    """What a valid config still lacks on disk: bucket directories, and the files of backup records.

    Valid YAML with missing files would only fail later, at the first import from them.
    """
    problems = []
    for name, bucket in sorted(config.buckets.items()):
        if "path" in bucket and not bucket["path"].is_dir():
            problems.append("bucket %s: directory %s does not exist (yet)" % (name, bucket["path"]))
    for instance in config.instances:
        for backup in instance.get("backups", []):
            bucket = config.buckets.get(backup["bucket"], {})
            if "path" in bucket and not (bucket["path"] / backup["file"]).is_file():
                problems.append("instance %s: backup record %s: no file %s in bucket %s"
                                % (instance["id"], backup["id"], backup["file"], backup["bucket"]))
    return problems


def _check_config(config) -> int:
    print("config OK: %d account(s), %d bucket(s), %d instance(s)"
          % (len(config.accounts), len(config.buckets), len(config.instances)))
    for problem in missing_files(config):
        print("warning: %s" % problem)
    print(config.fidelity.describe())
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO) if hasattr(args, "log_level")
                        else logging.INFO, handlers=[handler])
    try:
        if args.command == "sample-backup":
            return args.run(args)
        if args.command == "check-config":
            return _check_config(config_mod.load(args.config))
        return _serve(args)
    except config_mod.ConfigError as exc:
        for problem in exc.problems:  # one line each, naming its key path
            print("dcs-emulator: config error: %s" % problem, file=sys.stderr)
        return 2
    except StorageError as exc:
        print("dcs-emulator: data error: %s" % exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
