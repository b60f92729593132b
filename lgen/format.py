"""Stage 6: black-format the rendered script (in process) and verify it is valid Python.

black is the largest cost of an eject, so it runs only where it has work to do. The script is
three parts: the head (docstring and imports from the templates), the user's rewritten module,
and the tail (every template after the model). The templates are written black-stable by
construction (tests/test_format.py renders them for every golden case and the equivalence
matrix and checks that black changes nothing), so black formats the head and the user's code,
and the tail is appended as rendered. Where the tail might not be stable (a line past the line
length, which an interpolated name can cause, or non-ASCII text), or where black's blank lines
at the seam depend on the user's code (it ends in a comment or a top-level import, or uses
`# fmt:` directives), black formats the whole script instead. Either way the bytes are what
`black.format_str` gives for the whole script. The formatted head is cached on disk by content
(`_format_head`), so re-ejecting an unchanged model skips black; `LGEN_NO_CACHE=1` turns the
caches off.
"""

from __future__ import annotations

import ast
import hashlib
import os

import black

LINE_LENGTH = 100
MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)


class FormatError(Exception):
    """The rendered script is not valid Python: a bug in lgen's templates or rewrite."""


def format_script(head: str, tail: str = "") -> str:
    """`black.format_str(head + tail)`, without running black over a black-stable `tail`.

    `tail` is template output that follows the user's code after blank lines.
    """
    whole = head + tail
    try:
        tree = ast.parse(whole)
    except SyntaxError as e:
        lines = whole.splitlines()
        context = "\n".join(f"{i + 1:5} | {lines[i]}" for i in range(max(0, e.lineno - 4), min(len(lines), e.lineno + 2)))
        raise FormatError(f"generated code does not parse: {e.msg} at line {e.lineno}\n{context}") from None
    if not tail or not _tail_is_stable(tail) or not _head_ends_plainly(head, tree):
        return black.format_str(whole, mode=MODE)
    formatted = _format_head(head)
    if formatted.rstrip("\n").rsplit("\n", 1)[-1].lstrip().startswith("#"):
        return black.format_str(whole, mode=MODE)  # black may attach a trailing comment to the tail
    # The tail starts with a top-level comment after blank lines. After code that is not a
    # top-level import, black puts exactly two blank lines there (black/lines.py,
    # EmptyLineTracker._maybe_empty_lines): two after a def or class, the user's two otherwise.
    return formatted + "\n\n" + tail.lstrip("\n")


_CACHE_ENTRIES = 64


def _format_head(head: str) -> str:
    """`black.format_str(head)`, remembered on disk by content: a re-eject of an unchanged model
    (CI's `--check`, a pre-commit hook) skips black, as black's own cache skips unchanged files.
    The key covers black's version and mode; the newest 64 entries are kept."""
    from lgen.render import cache_dir

    folder = cache_dir("black")
    if folder is None:
        return black.format_str(head, mode=MODE)
    key = hashlib.sha256(f"{black.__version__}\0{MODE!r}\0{head}".encode("utf-8", "surrogatepass")).hexdigest()
    path = os.path.join(folder, f"{key}.py")
    try:
        with open(path, encoding="utf-8") as f:
            check, _, text = f.read().partition("\n")
        if check == _checksum(text):  # a torn or altered entry is formatted again
            return text
    except (OSError, UnicodeDecodeError):
        pass
    formatted = black.format_str(head, mode=MODE)
    try:
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{_checksum(formatted)}\n{formatted}")
        os.replace(tmp, path)
        entries = sorted((e for e in os.scandir(folder) if e.name.endswith(".py")), key=lambda e: e.stat().st_mtime)
        for old in entries[:-_CACHE_ENTRIES]:
            os.unlink(old.path)
    except (OSError, UnicodeEncodeError):
        pass
    return formatted


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _head_ends_plainly(head: str, tree: ast.Module) -> bool:
    """False where black's blank lines before the tail depend on the head: after a top-level
    import (black puts one blank line there), or with `# fmt:` directives in the user's code."""
    if "fmt:" in head:
        return False
    lines = head.count("\n") + 1
    last = None
    for node in tree.body:
        if node.lineno > lines:
            break
        last = node
    return not isinstance(last, (ast.Import, ast.ImportFrom))


def _tail_is_stable(tail: str) -> bool:
    return (
        tail.isascii()
        and tail.endswith("\n")
        and not tail.endswith("\n\n")
        and all(len(line) <= LINE_LENGTH for line in tail.split("\n"))
    )
