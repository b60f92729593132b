"""Schedulers whose class lgen cannot see: where Lightning raises at fit start, the script does too.

Lightning checks the schedulers when it unpacks `configure_optimizers` (core/optimizer.py:
`_configure_schedulers_automatic_opt`, `_validate_optimizers_attached`,
`_validate_scheduler_api`), before any training. The ejected script makes the same checks in its
`configure_optimizers` where lgen could not see a scheduler's class, and must fail there with
Lightning's message (a RuntimeError where Lightning raises a MisconfigurationException).
"""

import pytest
from equivalence.cases import ERROR_CASES
from equivalence.harness import RunError, resolve_model, run_ejected, run_lightning

CASES = [c for c in ERROR_CASES if c.model == "runtime_sched.py"]


def _raised(stderr: str) -> tuple[str, str]:
    """The exception a traceback ends with: (type name, message)."""
    last = [line for line in stderr.strip().splitlines() if line and not line.startswith(" ")][-1]
    kind, _, message = last.partition(": ")
    return kind.rsplit(".", 1)[-1], message


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_script_fails_where_lightning_fails(case, tmp_path):
    model = resolve_model(case.model)
    with pytest.raises(RunError) as theirs:
        run_lightning(model, case.cls, case.flags, case.seed, tmp_path / "lightning")
    with pytest.raises(RunError) as ours:
        run_ejected(model, case.cls, case.flags, case.seed, tmp_path / "ejected")
    light_kind, light_message = _raised(theirs.value.stderr)
    our_kind, our_message = _raised(ours.value.stderr)
    assert case.error in light_message, theirs.value.stderr
    assert our_message == light_message, ours.value.stderr
    assert our_kind == {"MisconfigurationException": "RuntimeError"}.get(light_kind, light_kind)
    # the same moment: while the optimizers are configured, before any training step
    assert "_init_optimizers_and_lr_schedulers" in theirs.value.stderr
    assert "in configure_optimizers" in ours.value.stderr and "in train_epoch" not in ours.value.stderr
    assert not (tmp_path / "ejected" / "out" / "last.ckpt").exists()
