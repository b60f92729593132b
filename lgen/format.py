"""Stage 6: black-format the rendered script (in process) and verify it is valid Python."""

from __future__ import annotations

import ast

import black

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)


class FormatError(Exception):
    """The rendered script is not valid Python: a bug in lgen's templates or rewrite."""


def format_script(text: str) -> str:
    try:
        ast.parse(text)
    except SyntaxError as e:
        lines = text.splitlines()
        context = "\n".join(f"{i + 1:5} | {lines[i]}" for i in range(max(0, e.lineno - 4), min(len(lines), e.lineno + 2)))
        raise FormatError(f"generated code does not parse: {e.msg} at line {e.lineno}\n{context}") from None
    return black.format_str(text, mode=MODE)
