"""The templates are black-stable by construction, so lgen runs black only over the model part.

lgen.format.format_script formats the head (docstring, imports, the user's rewritten module) with
black and appends the rendered templates as they are. These tests prove that this gives the same
bytes as black over the whole script: for every equivalence-matrix case (the golden cases are
checked by test_golden.py::test_script_properties), on the fast path, and at the junctions where
black's blank-line rules could differ (handled by falling back to black over everything).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import black
import pytest

import lgen.cli
import lgen.format
from equivalence.cases import CASES, PRECISION_CASES
from equivalence.harness import flags_to_cli, resolve_model
from lgen.format import MODE, format_script

ROOT = Path(__file__).resolve().parents[1]


def eject(model: Path, *args: str) -> tuple[str, list[bool]]:
    """Eject in process; (script, whether each format call could skip black over the templates)."""
    fast: list[bool] = []
    real = lgen.format._tail_is_stable

    def spy(tail):
        fast.append(real(tail))
        return fast[-1]

    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["lgen", "eject", str(model), *args]
    lgen.format._tail_is_stable = spy
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                lgen.cli.main()
            except SystemExit as e:
                assert e.code in (0, None), err.getvalue()
    finally:
        sys.argv = argv
        lgen.format._tail_is_stable = real
    return out.getvalue(), fast


MATRIX = list(CASES) + list(PRECISION_CASES)


@pytest.mark.parametrize("case", MATRIX, ids=[c.name for c in MATRIX])
def test_matrix_scripts_are_black_stable_on_the_fast_path(case):
    flags = {k: v for k, v in case.flags.items() if k != "accelerator"}
    script, fast = eject(resolve_model(case.model), *(["--class", case.cls] if case.cls else []), *flags_to_cli(flags))
    assert fast == [True], "the rendered templates were not black-stable by construction: black ran over all of it"
    assert black.format_str(script, mode=MODE) == script


HEAD = '"""Doc."""\nimport os\n\nimport torch\n\n'
TAIL = '\n\n\n# Trainer flags\nMAX_EPOCHS = 3\n\n\ndef main():\n    return MAX_EPOCHS\n'


@pytest.mark.parametrize(
    "model",
    [
        "class M(torch.nn.Module):\n    pass",
        "X=1",
        "def f(x):\n  return x",
        "if os.environ.get('A'):\n    A = 1\nelse:\n    A = 2",
        "class M:\n    def f(self):\n        pass\n    # trailing comment in the class",
        "x = 1\n# a trailing comment",
        "@dataclass\nclass C:\n    x: int = 0",
        "try:\n    import numpy\nexcept ImportError:\n    numpy = None",
        "def f(): ...",
        "",
        "import numpy",
        "from typing import (\n    Any,\n)",
        "class A:\n    \"\"\"Doc.\"\"\"",
        "x = 1  # fmt: skip",
        "# fmt: off\nx = [1,\n  2]",
        "if True:\n    def f():\n        pass",
        "if True:\n    pass\nelse:  # comment\n    pass",
    ],
)
def test_junctions_match_black_over_everything(model):
    ours = format_script(HEAD + model, TAIL)
    assert ours == black.format_str(HEAD + model + TAIL, mode=MODE)


def test_a_template_line_past_the_line_length_falls_back_to_black():
    long_tail = "\n\n\nX = [" + ", ".join(["1000000"] * 20) + "]\n"
    assert not lgen.format._tail_is_stable(long_tail)
    assert format_script(HEAD + "Y = 1", long_tail) == black.format_str(HEAD + "Y = 1" + long_tail, mode=MODE)


def _model_source() -> str:
    """The example's model file without its run (these tests are about a model file's script)."""
    text = (ROOT / "examples" / "mlp.py").read_text()
    return text[: text.index('if __name__ == "__main__":')].rstrip("\n") + "\n"


def test_a_long_class_name_still_gives_black_output(tmp_path):
    name = "A" + "VeryLongName" * 9
    source = _model_source().replace("LitRegressor", name)
    model = tmp_path / "model.py"
    model.write_text(source)
    script, fast = eject(model, "--max-epochs", "1")
    assert name in script and fast == [False]
    assert black.format_str(script, mode=MODE) == script


def test_unformatted_user_code_is_formatted(tmp_path):
    source = _model_source()
    model = tmp_path / "model.py"
    model.write_text(source.replace("super().__init__()", "super( ).__init__( ) ;x=[1,\n2]"))
    script, fast = eject(model, "--max-epochs", "1")
    assert fast == [True] and "super().__init__()" in script and "x = [1, 2]" in script
    assert black.format_str(script, mode=MODE) == script


def test_trainer_constants_are_spelled_as_black_spells_them(tmp_path):
    attrs = ["gradient_clip_algorithm", "gradient_clip_val", "limit_train_batches", "val_check_interval", "world_size"]
    reads = "".join(f"        _ = self.trainer.{a}\n" for a in attrs)
    source = _model_source().replace("        x, y = batch\n        loss", reads + "        x, y = batch\n        loss", 1)
    model = tmp_path / "model.py"
    model.write_text(source)
    script, fast = eject(model, "--max-epochs", "1", "--gradient-clip-val", "0.5", "--gradient-clip-algorithm", "value")
    assert 'self.gradient_clip_algorithm = "value"' in script and fast == [True]
    assert black.format_str(script, mode=MODE) == script


def test_the_formatted_head_is_cached_by_content(tmp_path, monkeypatch):
    import jinja2

    monkeypatch.delenv("LGEN_NO_CACHE", raising=False)
    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "__init__", lambda self, directory=None, pattern="": setattr(self, "directory", str(tmp_path)))
    head = HEAD + "x=[1,\n2]\n"
    first = format_script(head, TAIL)
    assert first == black.format_str(head + TAIL, mode=MODE)
    (entry,) = (tmp_path / "black").iterdir()
    calls = []
    monkeypatch.setattr(black, "format_str", lambda *a, **k: calls.append(a) or "not black's output")
    assert format_script(head, TAIL) == first and calls == []  # from the cache
    entry.write_text(entry.read_text().replace("x = [1, 2]", "x = [1,2]"))  # altered: not trusted
    assert format_script(head, TAIL) == "not black's output\n\n" + TAIL.lstrip("\n") and len(calls) == 1
    monkeypatch.setenv("LGEN_NO_CACHE", "1")
    format_script(head, TAIL)
    assert len(calls) == 2
