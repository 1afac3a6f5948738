# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fidelity points: where the vendor's documents disagree or are silent, which reading the emulator shows.

Each point lists its readings, the first being the default (what the vendor's own pages show where they speak,
else the SDK model; docs/emulator.md, "Fidelity", gives the source of each). The ``fidelity:`` section of the
config picks a preset and may set any point:

``preset: documented``  every point at its first reading (also without a ``fidelity:`` section);
``preset: opposite``    every point at its second reading: the set a client must ALSO survive;
``preset: random``      every point drawn from ``seed`` (a new seed when none is given; the emulator prints it).

A point set explicitly wins over the preset. A client that works under ``documented``, ``opposite`` and any
``random`` seed does not depend on a reading the documents leave open.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, fields
from typing import Optional

# Time formats seen in the documents: list created_at, show created_at, list released_at.
TIME_FORMATS = {
    "iso_ms": "2021-06-16T06:12:55.508Z",
    "slash": "2019/10/22 14:44:30",
    "compact": "202404011057",
}

# point -> its readings, the default first and the opposite second.
POINTS = {
    "name_filter": ("substring", "exact"),
    "list_order": ("newest_first", "oldest_first"),
    "stats_values": ("string", "number"),
    "delete_unknown_ids": ("ignore", "DCS.4133"),
    "delete_running": ("allow", "refuse"),
    "stop_finished": ("DCS.4957", "DCS.4026"),
    "show_passwords": ("echo", "hide"),
    "backup_id": ("flat", "nested"),
    "failed_status": ("FAILED", "MIGRATION_FAILED"),
    "show_created_at": ("slash", "iso_ms", "compact"),
    "show_updated_at": ("slash", "iso_ms", "compact"),
    "show_released_at": ("compact", "iso_ms", "slash"),
    "list_created_at": ("iso_ms", "slash", "compact"),
    "list_released_at": ("compact", "slash", "iso_ms"),
    "logs_created_at": ("iso_ms", "slash", "compact"),
}
# Seconds from SUCCESS to RELEASED (the migration ECS released): a later release, or none visible in between.
RELEASE_AFTER = (60.0, 0.0)
PRESETS = ("documented", "opposite", "random")


@dataclass(frozen=True)
class Fidelity:  # pylint: disable=too-many-instance-attributes  # one attribute per documented point
    """The reading of every point the emulator runs with (see POINTS)."""

    name_filter: str = POINTS["name_filter"][0]
    list_order: str = POINTS["list_order"][0]
    stats_values: str = POINTS["stats_values"][0]
    delete_unknown_ids: str = POINTS["delete_unknown_ids"][0]
    delete_running: str = POINTS["delete_running"][0]
    stop_finished: str = POINTS["stop_finished"][0]
    show_passwords: str = POINTS["show_passwords"][0]
    backup_id: str = POINTS["backup_id"][0]
    failed_status: str = POINTS["failed_status"][0]
    show_created_at: str = POINTS["show_created_at"][0]
    show_updated_at: str = POINTS["show_updated_at"][0]
    show_released_at: str = POINTS["show_released_at"][0]
    list_created_at: str = POINTS["list_created_at"][0]
    list_released_at: str = POINTS["list_released_at"][0]
    logs_created_at: str = POINTS["logs_created_at"][0]
    release_after_seconds: float = RELEASE_AFTER[0]
    preset: str = "documented"
    seed: Optional[int] = None

    def as_dict(self) -> dict:
        return {item.name: getattr(self, item.name) for item in fields(self)}

    def describe(self) -> str:
        """One line for the emulator's log: the preset, the seed of a random set, and every point."""
        head = "fidelity: preset %s" % self.preset
        if self.seed is not None:
            head += " seed %d" % self.seed
        points = ", ".join("%s=%s" % (name, getattr(self, name)) for name in list(POINTS) + ["release_after_seconds"])
        return "%s: %s" % (head, points)


def resolve(preset: str = "documented", seed: Optional[int] = None, **chosen) -> Fidelity:
    """The Fidelity of a preset, with the points in ``chosen`` (name -> reading, None = the preset's) set."""
    if preset == "random":
        seed = secrets.randbelow(2 ** 31) if seed is None else seed
        draw = random.Random(seed)  # nosec B311 - picks test variants, not secrets
        values = {name: draw.choice(readings) for name, readings in POINTS.items()}
        values["release_after_seconds"] = draw.choice(RELEASE_AFTER)
    else:
        index = 0 if preset == "documented" else 1
        values = {name: readings[index] for name, readings in POINTS.items()}
        values["release_after_seconds"] = RELEASE_AFTER[index]
        seed = None
    values.update({name: value for name, value in chosen.items() if value is not None})
    return Fidelity(preset=preset, seed=seed, **values)


def section_from_text(text: str) -> dict:
    """The ``fidelity:`` section a test run asks for by name (the form of DCS_FIDELITY and
    ``integration.py --fidelity``): ``documented``, ``opposite``, ``random`` or ``random:SEED``, optionally
    followed by points to set, ``,point=reading`` each (``opposite,failed_status=FAILED``). The emulator's
    config schema checks the points' names and readings."""
    head, *points = (text or "documented").strip().split(",")
    preset, _colon, seed = head.partition(":")
    if preset not in PRESETS or (seed and (preset != "random" or not seed.isdigit())):
        raise ValueError("fidelity %r: expected documented, opposite, random or random:SEED, then any "
                         ",point=reading" % text)
    section = {"preset": preset}
    if seed:
        section["seed"] = int(seed)
    for point in points:
        name, equals, reading = point.partition("=")
        if not equals or not name:
            raise ValueError("fidelity %r: %r is not point=reading" % (text, point))
        section[name.strip()] = float(reading) if name.strip() == "release_after_seconds" else reading.strip()
    return section
