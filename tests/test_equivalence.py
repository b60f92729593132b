"""Proof by Lightning: each golden script's last.ckpt equals what Lightning 2.6.6's Trainer saves.

Contract §3: same seed and flags, CPU, 32-true -> torch.equal on every state_dict tensor and
optimizer state, and the same global_step and epoch.
"""

import os
import shutil
from pathlib import Path

import pytest
from equivalence.harness import OBSERVE, compare, run_lightning, subprocess_env
from equivalence.zygote import SCRIPT_PRELOAD, python
from golden_cases import lightning_flags, load_cases
from lgen.vendor import parse_header

CASES = [c for c in load_cases() if not c.is_error and c.equivalence and not c.run]  # runs: test_runs.py


def fresh_eject(case, workdir):
    """The golden case ejected now, as test_golden does: its committed train.py is what this
    gives when the goldens are current, and running the fresh one catches a template change
    on its own (without regenerating the goldens)."""
    result = case.eject(workdir)
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
    return workdir / "train.py"


def run_script(script, seed, out_dir, accelerator="cpu"):
    env = subprocess_env()  # the harness's (OMP_NUM_THREADS=1, PYTHONHASHSEED=0, ...), as the matrix's scripts
    # through observe.py: run as `python SCRIPT ARGS`, its callback_metrics recorded
    args = [str(OBSERVE), str(script), "--seed", str(seed), "--out-dir", str(out_dir), "--accelerator", accelerator]
    # on CPU, forked from a warm interpreter (equivalence/zygote.py); on a GPU, a fresh process
    preload = SCRIPT_PRELOAD if accelerator == "cpu" else None
    result = python(args, cwd=os.getcwd(), env=env, preload=preload)
    assert result.returncode == 0, f"{' '.join(result.args)}\n{result.stdout}\n{result.stderr}"
    return out_dir / "last.ckpt"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_lightning(case, tmp_path):
    script = fresh_eject(case, tmp_path / "eject")
    header = parse_header(script.read_text())
    flags = lightning_flags(case)
    if flags.get("strategy") == "ddp":
        from equivalence.harness import run_torchrun

        args = ["--seed", str(case.seed), "--accelerator", "cpu"]
        ours = run_torchrun(script, flags["devices"], args, tmp_path / "ejected")
    else:
        ours = run_script(script, case.seed, tmp_path / "ejected")
    theirs = run_lightning(str(case.entry), header.class_name, flags, case.seed, tmp_path / "lightning")
    mismatches = compare(theirs, ours)
    assert mismatches == [], "\n".join(mismatches)


@pytest.mark.gpu
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_runs_on_gpu(case, tmp_path):
    import torch

    if lightning_flags(case).get("strategy") == "ddp":
        pytest.skip("a DDP script runs under torchrun with one GPU per rank: see test_ddp_runs_on_gpus")
    from test_gpu import GPU_FAILS_AS_IN_LIGHTNING

    if case.name in GPU_FAILS_AS_IN_LIGHTNING:
        pytest.skip("fails on CUDA as Lightning does: tests/test_gpu.py::test_gpu_fails_where_lightning_fails")

    script = case.dir / "train.py"
    if case.entry != case.dir / "model.py":  # a small project: the script imports the case's other modules
        case.copy_into(tmp_path / "work")
        script = Path(shutil.copy(script, tmp_path / "work" / "train.py"))
    ckpt = torch.load(run_script(script, case.seed, tmp_path, accelerator="cuda"), weights_only=True)
    assert {"state_dict", "optimizer_states", "lr_schedulers", "epoch", "global_step"} <= set(ckpt)
    assert all(torch.isfinite(t).all() for t in ckpt["state_dict"].values() if t.is_floating_point())


# The wider matrix: every model under tests/equivalence/models with many flag combinations,
# ejected afresh (not golden files) and compared with Lightning the same way. A matrix case
# whose model (same bytes), class, seed and flags (with their types: 1 is one batch, 1.0 all of
# them) are a golden case's is that very run: it is run once, as the golden case above, which
# ejects afresh too.
import hashlib  # noqa: E402

from equivalence.cases import CASES as ALL_MATRIX  # noqa: E402
from equivalence.harness import assert_equivalent, resolve_model  # noqa: E402


def _run_key(model_path, cls, seed, flags):
    typed = tuple(sorted((k, type(v).__name__, repr(v)) for k, v in flags.items()))
    return hashlib.sha256(model_path.read_bytes()).hexdigest(), cls, int(seed), typed


_GOLDEN_RUNS = set()
for _c in CASES:
    _cls = _c.cls or parse_header((_c.dir / "train.py").read_text()).class_name
    _GOLDEN_RUNS.add(_run_key(_c.entry, _cls, _c.seed, lightning_flags(_c)))
MATRIX = [c for c in ALL_MATRIX if _run_key(resolve_model(c.model), c.cls, c.seed, c.flags) not in _GOLDEN_RUNS]


@pytest.mark.slow
@pytest.mark.parametrize("case", MATRIX, ids=[c.name for c in MATRIX])
def test_matrix_matches_lightning(case, tmp_path):
    assert_equivalent(case, tmp_path)


# Precision: bf16-mixed, bf16-true and 16-mixed (run as bf16-mixed on CPU, as Lightning does).
from equivalence.cases import PRECISION_CASES  # noqa: E402
from equivalence.harness import max_abs_diff, run_ejected, run_lightning  # noqa: E402,F811


PRECISION_MATRIX = [c for c in PRECISION_CASES if _run_key(resolve_model(c.model), c.cls, c.seed, c.flags) not in _GOLDEN_RUNS]


@pytest.mark.slow
@pytest.mark.parametrize("case", PRECISION_MATRIX, ids=[c.name for c in PRECISION_MATRIX])
def test_precision_matches_lightning(case, tmp_path, record_property):
    from equivalence.harness import resolve_model

    model = resolve_model(case.model)
    theirs = run_lightning(model, case.cls, case.flags, case.seed, tmp_path / "lightning")
    ours = run_ejected(model, case.cls, case.flags, case.seed, tmp_path / "ejected")
    diff = max_abs_diff(theirs, ours)
    record_property("max_abs_diff", diff)  # in the junit report (pytest --junitxml)
    problems = compare(theirs, ours, atol=case.atol)
    assert diff <= case.atol and problems == [], f"max abs diff {diff}\n" + "\n".join(problems)
