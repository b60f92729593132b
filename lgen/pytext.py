"""Python source text for values, as black spells it (shared by plan and render)."""

from __future__ import annotations


def pyrepr(value) -> str:
    """`repr`, spelled as black spells it (double quotes), so the rendered templates stay black-stable."""
    text = repr(value)
    if isinstance(value, str) and text.startswith("'") and '"' not in value:
        return f'"{text[1:-1]}"'  # repr chose single quotes, so there are no quotes inside
    return text
