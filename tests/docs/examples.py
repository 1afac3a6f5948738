# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hwcloud.dcs developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the code examples of the documentation: RST code blocks, Markdown fences and the modules' EXAMPLES.

Each example is (source, line, language, text): source is the path relative to the repository root
(with `:EXAMPLES` for a module's examples), line where the block starts, language as the document
declares it (yaml, console, ...), text dedented.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
Example = namedtuple('Example', 'source line language text')
RST_BLOCK = re.compile(r'^(\s*)\.\. code-block::\s*(\S+)\s*$')
FENCE = re.compile(r'^(\s*)```\s*(\S*)\s*$')


def rst_examples(path):
    lines = Path(path).read_text().splitlines()
    source = str(Path(path).relative_to(ROOT))
    for index, line in enumerate(lines):
        match = RST_BLOCK.match(line)
        if not match:
            continue
        indent, body, end = len(match.group(1)), [], index + 1
        while end < len(lines) and lines[end].strip().startswith(':'):
            end += 1  # options of the directive (:caption: ...)
        for text in lines[end:]:
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append(text)
        yield Example(source, index + 1, match.group(2), textwrap.dedent('\n'.join(body)).strip('\n') + '\n')


def markdown_examples(path):
    lines = Path(path).read_text().splitlines()
    source = str(Path(path).relative_to(ROOT))
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match:
            end = index + 1
            while end < len(lines) and not lines[end].strip().startswith('```'):
                end += 1
            body = textwrap.dedent('\n'.join(lines[index + 1:end]))
            yield Example(source, index + 1, match.group(2) or 'text', body.strip('\n') + '\n')
            index = end
        index += 1


def module_examples(path):
    """One example per top-level task of a module's EXAMPLES: each illustrates one use on its own, except that a
    task reading a result registered by the example before it continues that example (a user copies both)."""
    tree = ast.parse(Path(path).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            text = node.value.value
            starts = [match.start() for match in re.finditer(r'^- ', text, re.MULTILINE)] + [len(text)]
            groups = []
            for start, end in zip(starts, starts[1:]):
                if groups and reads_registered(groups[-1][1], text[start:end]):
                    groups[-1][1] += text[start:end]
                else:
                    groups.append([start, text[start:end]])
            for start, example in groups:
                line = node.lineno + text.count('\n', 0, start)
                yield Example(str(Path(path).relative_to(ROOT)) + ':EXAMPLES', line, 'yaml', example)


def reads_registered(earlier, task):
    """Whether task reads a variable that earlier registers (`name.key`, `name[...]`, `name | filter`)."""
    names = re.findall(r'^\s*register:\s*(\w+)\s*$', earlier, re.MULTILINE)
    return any(re.search(r'\b%s\s*[.[|]' % re.escape(name), task) for name in names)


def all_examples():
    """Every example of README.md, docs/ (guides and Markdown), the role README and the modules' EXAMPLES."""
    for path in sorted((ROOT / 'docs' / 'docsite' / 'rst').glob('*.rst')):
        yield from rst_examples(path)
    for path in [ROOT / 'README.md', ROOT / 'roles' / 'backup_import' / 'README.md'] + sorted((ROOT / 'docs').glob('*.md')):
        yield from markdown_examples(path)
    for path in sorted((ROOT / 'plugins' / 'modules').glob('*.py')):
        yield from module_examples(path)
