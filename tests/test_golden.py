"""Golden files: model + flags -> expected script, byte for byte, plus properties every script has."""

import ast
import io

import black
import pyflakes.api
import pyflakes.reporter
import pytest
from golden_cases import load_cases

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case, tmp_path, update_golden):
    result = case.eject(tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    if case.is_error:
        assert result.returncode == 1, result.stderr
        assert not (tmp_path / "train.py").exists()
        expected_file, actual = case.dir / "stderr.txt", result.stderr
    else:
        assert result.returncode == 0, result.stderr
        expected_file, actual = case.dir / "train.py", (tmp_path / "train.py").read_text()
    if update_golden or not expected_file.exists():
        expected_file.write_text(actual)
        if not update_golden:
            pytest.fail(f"{expected_file} was missing and has been written; review it and commit")
    assert actual == expected_file.read_text(), f"{case.name}: output differs from {expected_file} (pytest --update-golden)"


OK_CASES = [c for c in CASES if not c.is_error]


@pytest.mark.parametrize("case", OK_CASES, ids=[c.name for c in OK_CASES])
def test_script_properties(case, tmp_path):
    """Parses, black-stable, no unused imports or names, no Lightning, and a second eject is identical."""
    text = (case.dir / "train.py").read_text()
    ast.parse(text)
    from lgen.format import MODE

    assert black.format_str(text, mode=MODE) == text
    out, err = io.StringIO(), io.StringIO()  # what `python -m pyflakes FILE` prints, in process
    pyflakes.api.checkPath(str(case.dir / "train.py"), pyflakes.reporter.Reporter(out, err))
    assert out.getvalue() == err.getvalue() == "", out.getvalue() + err.getvalue()
    for line in text.splitlines():
        stripped = line.strip()
        assert not stripped.startswith(("import lightning", "from lightning", "import pytorch_lightning", "from pytorch_lightning")), line
    again = case.eject(tmp_path)
    assert again.returncode == 0
    assert (tmp_path / "train.py").read_text() == text
