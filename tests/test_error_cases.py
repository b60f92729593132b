"""Runs Lightning 2.6.6 rejects (``ERROR_CASES``), against the ejected script (issue 19).

Where Lightning raises, either lgen refuses at eject time with a located diagnostic
(``file:line:col: LGENxxx error``, nothing written) or the ejected script raises the same kind of
error (a RuntimeError, ValueError or SystemExit where Lightning raises its
MisconfigurationException; the script's words may differ from Lightning's) at the same point: the same
``global_step`` and ``current_epoch`` when it raised (Lightning's from the Trainer, the script's
from its ``loop``; see harness._lightning_main and equivalence/observe.py), and no last.ckpt.
"""

import json
import re

import pytest
from equivalence.cases import ERROR_CASES
from equivalence.harness import ERROR_POINT_FILE, RunError, resolve_model, run_ejected, run_lightning

#: Lightning's exception type -> what the script raises
KINDS = {"MisconfigurationException": ("RuntimeError", "SystemExit", "ValueError")}
LOCATED = re.compile(r"\S+\.py:\d+:\d+: LGEN\d+ error: ")


def _raised(stderr: str) -> tuple[str, str]:
    """The exception a traceback ends with: (type name, message)."""
    last = [line for line in stderr.strip().splitlines() if line and not line.startswith(" ")][-1]
    kind, _, message = last.partition(": ")
    if " " in kind:  # a SystemExit's message is printed alone
        return "SystemExit", last
    return kind.rsplit(".", 1)[-1], message


@pytest.mark.slow
@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_script_fails_where_lightning_fails(case, tmp_path):
    model = resolve_model(case.model)
    with pytest.raises(RunError) as theirs:
        run_lightning(model, case.cls, case.flags, case.seed, tmp_path / "lightning")
    light_kind, light_message = _raised(theirs.value.stderr)
    assert case.error in theirs.value.stderr, theirs.value.stderr
    with pytest.raises(RunError) as ours:
        run_ejected(model, case.cls, case.flags, case.seed, tmp_path / "ejected")
    if "lgen eject" in str(ours.value).splitlines()[0]:
        # refused at eject time: a located diagnostic, nothing written
        assert LOCATED.search(ours.value.stderr) or "error:" in ours.value.stderr, ours.value.stderr
        assert not (tmp_path / "ejected" / "train.py").exists()
        return
    our_kind, our_message = _raised(ours.value.stderr)
    assert our_kind == light_kind or our_kind in KINDS.get(light_kind, ()), ours.value.stderr
    assert not (tmp_path / "ejected" / "out" / "last.ckpt").exists()
    # the same point: as many optimizer steps and epochs as Lightning's when it raised
    light_point = tmp_path / "lightning" / ERROR_POINT_FILE
    our_point = tmp_path / "ejected" / "out" / ERROR_POINT_FILE
    if light_point.exists() and json.loads(light_point.read_text())["global_step"] > 0:
        assert our_point.exists(), f"the script raised outside its loop\n{ours.value.stderr}"
    if our_point.exists():
        assert json.loads(our_point.read_text()) == json.loads(light_point.read_text())
