# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The schema of the emulator's YAML config (pydantic v2 models), and its problems as one line per key path.

Every section refuses unknown keys (a misspelt ``pasword:`` must not be dropped silently) and values of the
wrong type (``max_memory: lots``); cross references (an instance's project, a backup's bucket) are checked
after the shapes. Messages quote no value from the file but names (a bucket, a project ID): a secret in the
wrong place stays unseen.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Dict, List, Literal, Optional

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model,
                      model_validator)

from dcs_emulator import fidelity
from dcs_emulator.timeutil import parse_iso

INSTANCE_STATUSES = ("CREATING", "CREATEFAILED", "RUNNING", "ERROR", "RESTARTING", "FROZEN", "EXTENDING",
                     "RESTORING", "FLUSHING")
INSTANCE_TYPES = ("single", "ha", "cluster", "proxy", "ha_rw_split")
SHARDED_TYPES = ("cluster", "proxy")
# The emulator runs two servers per shard on this machine: a bound that keeps a typo (shards: 300) from starting 600.
MAX_SHARDS = 16


class ConfigError(ValueError):
    """A config file problem; ``problems`` holds one line per problem, each naming its key path."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


# -- value checks (they raise ValueError with the text that follows the key path) ----------------------------

def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _access_key(value: str) -> str:
    # The Authorization header carries the key as "Access=<key>," : a space or comma could never be sent.
    if not re.fullmatch(r"[^\s,]+", value):
        raise ValueError("must not be empty nor hold spaces or commas")
    return value


def _project_id(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", value):
        raise ValueError("must be 32 lower-case hex characters")
    return value


def _uuid(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValueError("must be a UUID") from None
    return value


def obs_bucket_name_problem(name: str) -> Optional[str]:
    """Why OBS would refuse ``name`` as a bucket name (OBS SDK guides, "Creating a Bucket"), or None."""
    if not 3 <= len(name) <= 63:
        return "must be 3 to 63 characters long"
    if not re.fullmatch(r"[a-z0-9.-]+", name):
        return "may only hold lower-case letters, digits, '-' and '.'"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "must start and end with a letter or a digit"
    if ".." in name or ".-" in name or "-." in name:
        return "must not hold '..', '.-' or '-.'"
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name):
        return "must not be an IP address"
    return None


def _bucket_name(name: str) -> str:
    problem = obs_bucket_name_problem(name)
    if problem:
        raise ValueError("is not a bucket name OBS accepts: it " + problem)
    return name


def _timestamp(value: Any) -> Any:
    """YAML reads an unquoted 2026-01-02T03:04:05Z as a datetime: take it as the text it was."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _iso_time(value: str) -> str:
    try:
        parse_iso(value)
    except ValueError:
        raise ValueError("must be a time like 2026-01-02T03:04:05Z") from None
    return value


def _none_is(default_factory):
    """An empty YAML section (``buckets:`` with nothing under it) is the section's default."""
    return BeforeValidator(lambda value: default_factory() if value is None else value)


Text = Annotated[str, AfterValidator(_not_blank)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Project(_Section):
    id: Annotated[str, AfterValidator(_project_id)]
    name: Text


class Account(_Section):
    access_key: Annotated[str, AfterValidator(_access_key)]
    secret_key: Text = Field(repr=False)
    projects: List[Project] = Field(min_length=1)


class S3Spec(_Section):
    bucket: Text
    endpoint_url: Optional[Text] = None
    region: Optional[Text] = None
    access_key: Optional[Text] = None
    secret_key: Optional[Text] = Field(default=None, repr=False)


class Bucket(_Section):
    path: Optional[Text] = None
    s3: Optional[S3Spec] = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.path is None) == (self.s3 is None):
            raise ValueError("give either path (a local directory) or s3, not both and not neither")
        return self


class Backup(_Section):
    bucket: Text
    file: Text
    id: Optional[Text] = None
    name: Optional[Text] = None
    created_at: Annotated[Optional[Annotated[str, AfterValidator(_iso_time)]], BeforeValidator(_timestamp)] = None
    backup_format: Optional[Literal["rdb", "aof"]] = None


class Redis(_Section):
    managed: Optional[bool] = None
    host: Optional[Text] = None
    port: Optional[Annotated[int, Field(ge=1, le=65535)]] = None
    password: Optional[str] = Field(default=None, repr=False)
    binary: Optional[Text] = None

    @model_validator(mode="after")
    def _managed_or_external(self):
        if self.managed and self.host is not None:
            raise ValueError("host is for a server you run (managed: false); a managed server listens on 127.0.0.1")
        if self.managed is False and self.host is None:
            raise ValueError("a server that is not managed needs its host")
        return self


class Instance(_Section):
    id: Annotated[str, AfterValidator(_uuid)]
    name: Text
    project_id: Annotated[str, AfterValidator(_project_id)]
    password: Optional[str] = Field(default=None, repr=False)
    engine_version: Text = "7.0"
    status: Literal[INSTANCE_STATUSES] = "RUNNING"
    max_memory: Annotated[int, Field(ge=1)] = 1024
    # The instance type, as ShowInstanceResponse.cache_mode names it (single, ha, cluster, proxy, ha_rw_split).
    type: Literal[INSTANCE_TYPES] = "single"
    # Shards of a cluster or proxy instance (DCS sells both with 3 shards or more; each shard is a master with a
    # replica). None: the default for the type (3), refused for the other types.
    shards: Optional[Annotated[int, Field(ge=1, le=MAX_SHARDS)]] = None
    enable_ssl: bool = False
    tags: Annotated[Dict[Text, str], _none_is(dict)] = {}
    redis: Optional[Redis] = None
    backups: Annotated[List[Backup], _none_is(list)] = []

    @model_validator(mode="after")
    def _type_fits(self):
        if self.shards is not None and self.type not in SHARDED_TYPES:
            raise ValueError("shards is for type cluster or proxy, not %s" % self.type)
        if self.type in ("ha", "cluster") and self.redis is not None and (self.redis.host or self.redis.managed is False):
            raise ValueError("a %s instance's servers are run by the emulator (replication, cluster bus): "
                             "redis.host is for single instances" % self.type)
        if self.type == "cluster" and self.redis is not None and self.redis.port is not None:
            raise ValueError("a cluster instance's servers take free ports (kept across restarts): "
                             "redis.port is for single and ha instances")
        return self


class Admin(_Section):
    enabled: bool = False


class Tasks(_Section):
    min_duration_seconds: Annotated[float, Field(ge=0)] = 0.0
    workers: Annotated[int, Field(ge=1)] = 8
    on_restart: Literal["resume", "fail"] = "resume"


class Importer(_Section):
    server_binary: Optional[Text] = None


# One optional key per fidelity point, its readings as the allowed values (fidelity.POINTS is the one list).
_FidelityPoints = create_model("_FidelityPoints", __base__=_Section, **{
    name: (Optional[Literal[readings]], None) for name, readings in fidelity.POINTS.items()})


class Fidelity(_FidelityPoints):
    preset: Literal[fidelity.PRESETS] = "documented"
    seed: Optional[Annotated[int, Field(ge=0)]] = None
    release_after_seconds: Optional[Annotated[float, Field(ge=0)]] = None

    @model_validator(mode="after")
    def _seed_is_for_random(self):
        if self.seed is not None and self.preset != "random":
            raise ValueError("seed replays a random set: give it with preset: random")
        return self


class EmulatorConfig(_Section):
    accounts: List[Account] = Field(min_length=1)
    data_dir: Annotated[Text, _none_is(lambda: "./emulator-data")] = "./emulator-data"
    region: Text = "cn-north-4"
    buckets: Annotated[Dict[Annotated[str, AfterValidator(_bucket_name)], Bucket], _none_is(dict)] = {}
    instances: Annotated[List[Instance], _none_is(list)] = []
    admin: Annotated[Admin, _none_is(dict)] = Admin()
    tasks: Annotated[Tasks, _none_is(dict)] = Tasks()
    importer: Annotated[Importer, _none_is(dict)] = Importer()
    fidelity: Annotated[Fidelity, _none_is(dict)] = Fidelity()


# -- the problems, one line each -------------------------------------------------------------------------------

def key_path(loc) -> str:
    """('instances', 0, 'pasword') -> 'instances[0].pasword'; a mapping key's own problem drops '[key]'."""
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += "[%d]" % part
        elif re.fullmatch(r"[^.\s\[\]\"]+", str(part)):
            path += ("." if path else "") + str(part)
        else:  # a mapping key such as a bucket name with dots: buckets["my.bucket"]
            path += '["%s"]' % part
    return path or "the config file"


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "missing (required)",
    "string_type": "must be a string (quote it)",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def _message(error: dict) -> str:
    kind = error["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "literal_error":
        return "must be one of %s" % error["ctx"]["expected"].replace("'", "")
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("greater_than_equal", "less_than_equal"):
        return "must be %s %s" % (">=" if kind == "greater_than_equal" else "<=",
                                  error["ctx"]["ge" if kind == "greater_than_equal" else "le"])
    if kind == "too_short":
        return "must list at least %d item(s)" % error["ctx"]["min_length"]
    return error["msg"][0].lower() + error["msg"][1:]  # pydantic's text (it names no input value)


def _shape_problems(exc: ValidationError) -> List[str]:
    return ["%s: %s" % (key_path(error["loc"]), _message(error))
            for error in exc.errors(include_url=False, include_input=False)]


def _reference_problems(config: EmulatorConfig) -> List[str]:
    """What the shapes cannot tell: repeated keys and IDs, and references to things not configured."""
    problems = []
    first_seen = {}
    for index, account in enumerate(config.accounts):
        if account.access_key in first_seen:
            problems.append("accounts[%d].access_key: the same access key as accounts[%d]"
                            % (index, first_seen[account.access_key]))
        first_seen.setdefault(account.access_key, index)
    project_ids = {p.id for a in config.accounts for p in a.projects}
    instance_ids = {}
    for index, instance in enumerate(config.instances):
        where = "instances[%d]" % index
        if instance.id in instance_ids:
            problems.append("%s.id: the same id as instances[%d]" % (where, instance_ids[instance.id]))
        instance_ids.setdefault(instance.id, index)
        if instance.project_id not in project_ids:
            problems.append("%s.project_id: %s belongs to no configured account" % (where, instance.project_id))
        for number, backup in enumerate(instance.backups):
            if backup.bucket not in config.buckets:
                problems.append("%s.backups[%d].bucket: names an unknown bucket %s (configured: %s)"
                                % (where, number, backup.bucket, ", ".join(sorted(config.buckets)) or "none"))
    return problems


def validate(raw: Any) -> EmulatorConfig:
    """The validated config, or ConfigError listing every problem found."""
    try:
        config = EmulatorConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_shape_problems(exc)) from None
    problems = _reference_problems(config)
    if problems:
        raise ConfigError(problems)
    return config
