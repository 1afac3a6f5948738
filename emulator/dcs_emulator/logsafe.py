# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log lines that a client cannot forge.

Request data (a path, a file name, a message built from a body) may hold CR, LF, ANSI escapes or other
control characters. Written raw, a percent-encoded newline in a URL would start a fake log record and an
escape sequence would rewrite a terminal. ``escape`` shows every control character as ``\\xNN``/``\\uNNNN``;
``EscapingFormatter`` applies it to every record's message and indents the continuation lines of a
traceback, so every line that starts at column 0 is the start of a real record.
"""

from __future__ import annotations

import logging
import re

# C0, DEL, C1, and the Unicode line/paragraph separators and bidi controls that reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match) -> str:
    code = ord(match.group(0))
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def escape(text: str, limit: int = 0) -> str:
    """``text`` with control characters escaped; with ``limit``, cut to that many characters (marked)."""
    if limit and len(text) > limit:
        text = text[:limit] + "...[%d more]" % (len(text) - limit)
    return _CONTROL.sub(_escaped, text)


class EscapingFormatter(logging.Formatter):
    """A Formatter whose records cannot add lines: messages escaped, traceback lines indented."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join("    " + escape(line) for line in text.splitlines())
