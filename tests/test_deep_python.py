"""Deep but valid Python (issue 18 item 2): what `python` compiles lgen ejects, or refuses with a
located LGEN112; never an internal error, a RecursionError or a crash of the process.

Each case runs `python -m lgen eject` as a process (a native stack overflow would kill it).
"""

import os
from pathlib import Path

import pytest
from equivalence.zygote import LGEN_PRELOAD, python

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "golden" / "baseline" / "model.py").read_text()
FORWARD = "        return self.net(x)\n"


def _forward(expr):
    assert FORWARD in BASE
    return BASE.replace(FORWARD, f"        return self.net(x) + 0 * ({expr})\n")


# (name, model source, True where it ejects, else the line LGEN112 names)
CASES = [
    ("nested_140_at_module_level", BASE + "\nZ = " + "(" * 140 + "1" + ")" * 140 + "\n", True),
    ("nested_lists_190", BASE + "\nZ = " + "[" * 190 + "]" * 190 + "\n", True),
    ("sum_1000_terms_in_forward", _forward("+".join(["x"] * 1000)), True),
    ("sum_2500_terms_in_forward", _forward("+".join(["x"] * 2500)), True),
    ("unary_2500", BASE + "\nZ = " + "-" * 2500 + "1\n", True),
    ("attribute_chain_1000", BASE + "\nimport os\nZ = lambda: os" + ".path" * 1000 + "\n", True),
    ("dotted_import_1000", BASE + "\ndef f():\n    import " + ".".join(["a"] * 1000) + "\n", True),
    ("dotted_import_20000", BASE + "\ndef f():\n    import " + ".".join(["a"] * 20000) + "\n", 50),
    ("from_import_20000", BASE + "\ndef f():\n    from " + ".".join(["a"] * 20000) + " import b\n", 50),
    ("and_chain_6000", BASE + "\nZ = " + " and ".join(["1"] * 6000) + "\n", 49),
    ("string_concatenation_6000", BASE + "\nZ = (" + " ".join(['"a"'] * 6000) + ")\n", 49),
    # hostile variants the cases above do not spell out
    ("nested_calls_150", BASE + "\nZ = " + "abs(" * 150 + "1" + ")" * 150 + "\n", True),
    ("comparison_chain_5000", BASE + "\nZ = " + " < ".join(["1"] * 5000) + "\n", True),
    ("decorators_500", BASE + "\n" + "@(lambda f: f)\n" * 500 + "def g():\n    pass\n", True),
    ("long_tuple_50000", BASE + "\nZ = (" + ",".join(["1"] * 50000) + ")\n", True),
    ("or_chain_8000", BASE + "\nZ = " + " or ".join(["0"] * 8000) + "\n", 49),
    ("fstring_concatenation_6000", BASE + "\nZ = (" + " ".join(['f"a"'] * 6000) + ")\n", 49),
    ("string_concatenation_in_a_hook_6000", BASE.replace('self.log("train_loss", loss)', 'self.log(("train" ' + " ".join(['""'] * 6000) + "), loss)"), 27),
]


@pytest.mark.parametrize("name, source, expected", CASES, ids=[c[0] for c in CASES])
def test_deep_python_ejects_or_is_refused_at_its_line(tmp_path, name, source, expected):
    model = tmp_path / "model.py"
    model.write_text(source)
    out = tmp_path / "train.py"
    r = python(["-m", "lgen", "eject", model, "-o", out], cwd=tmp_path, preload=LGEN_PRELOAD, timeout=300)
    if expected is True:
        assert r.returncode == 0, r.stderr[-2000:]
        compile(out.read_text(), str(out), "exec")
    else:
        assert r.returncode == 1, r.stderr[-2000:]
        assert f"model.py:{expected}:" in r.stderr and "LGEN112" in r.stderr, r.stderr[-2000:]
        assert not out.exists()


def test_too_deep_for_python_is_a_syntax_error(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(BASE + "\nZ = " + "-" * 5000 + "1\n")
    r = python(["-m", "lgen", "eject", model, "-o", tmp_path / "t.py"], cwd=tmp_path, preload=LGEN_PRELOAD)
    assert r.returncode == 1 and "LGEN101" in r.stderr, r.stderr[-2000:]
    assert "model.py:49:" in r.stderr, r.stderr[-2000:]  # located where it is deepest


@pytest.mark.parametrize("where, source", [(22, _forward("*".join(["x"] * 3000))), (49, BASE + "\nZ = lambda a: a" + "[0]" * 3000 + "\n")], ids=["product_3000_in_forward", "subscripts_3000"])
def test_too_deep_for_python_is_located(tmp_path, where, source):
    model = tmp_path / "model.py"
    model.write_text(source)
    r = python(["-m", "lgen", "eject", model, "-o", tmp_path / "t.py"], cwd=tmp_path, preload=LGEN_PRELOAD)
    assert r.returncode == 1 and "LGEN101" in r.stderr and f"model.py:{where}:" in r.stderr, r.stderr[-2000:]
    assert not (tmp_path / "t.py").exists()


def test_the_caller_keeps_its_recursion_limit_and_thread(tmp_path):
    import sys
    import threading

    import lgen.pipeline
    from lgen.options import Flags

    model = tmp_path / "model.py"
    model.write_text(_forward("+".join(["x"] * 2000)))
    before = sys.getrecursionlimit(), threading.stack_size(), threading.active_count()
    r = lgen.pipeline.eject(str(model), Flags(), None, display_path="model.py", command=[], script_name="train.py")
    assert r.text is not None and not r.diagnostics
    assert (sys.getrecursionlimit(), threading.stack_size(), threading.active_count()) == before
    # and an exception of the pipeline reaches the caller as itself
    with pytest.raises(ValueError, match="boom"):
        real = lgen.pipeline._eject
        lgen.pipeline._eject = lambda *a, **k: (_ for _ in ()).throw(ValueError("boom"))
        try:
            lgen.pipeline.eject(str(model), Flags(), None, display_path="model.py", command=[], script_name="train.py")
        finally:
            lgen.pipeline._eject = real
