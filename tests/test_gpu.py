"""On a CUDA device: the generated hot loop makes no host-device synchronization per step, and
the scripts match Lightning 2.6.6 run on the same GPU.

The contract's equivalence is defined on the CPU in fp32 (test_equivalence.py); these are the
GPU-side checks. They skip without CUDA (conftest.py), and run on a lent GPU machine.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from equivalence.harness import compare, max_abs_diff, run_lightning, run_torchrun, subprocess_env
from golden_cases import GOLDEN, load_cases, lightning_flags

CASES = {c.name: c for c in load_cases()}
# cuBLAS picks deterministic algorithms only with a fixed workspace; Lightning's
# `deterministic=True` sets this too, so both sides run with it
CUBLAS = {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"}


def _load(script: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The 16-mixed scripts are left out: torch's GradScaler.step reads `found_inf` back every step
# (`.item()`), in Lightning as in any loop that uses it.
@pytest.mark.gpu
@pytest.mark.parametrize("name", ["example_mlp", "accum_3", "log_dict", "bf16_mixed", "manual_gan", "hooks", "plateau_monitor"])
def test_training_steps_make_no_host_sync(name, tmp_path):
    """Every training batch (validation and scheduler steps included) runs under
    `torch.cuda.set_sync_debug_mode("error")`; only the progress lines (every 50 batches and at
    an epoch's end: `report`) read values back, and they are switched off here."""
    import torch

    module = _load(GOLDEN / name / "train.py", f"lgen_gpu_{name}")
    train_epoch = module.train_epoch
    epochs = []

    def checked(model, loop):
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            return train_epoch(model, loop)
        finally:
            torch.cuda.set_sync_debug_mode(0)
            epochs.append(loop.current_epoch)

    module.train_epoch = checked
    module.report = lambda *args, **kwargs: None
    if hasattr(module, "step_plateau"):
        # ReduceLROnPlateau.step reads its metric back (`float(metrics)`): the user's scheduler
        # asks for it, in Lightning as here (log_dict steps one every 2 batches)
        step_plateau = module.step_plateau

        def plateau(*args, **kwargs):
            mode = torch.cuda.get_sync_debug_mode()
            torch.cuda.set_sync_debug_mode(0)
            try:
                return step_plateau(*args, **kwargs)
            finally:
                torch.cuda.set_sync_debug_mode(mode)

        module.step_plateau = plateau
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module.main(["--seed", "0", "--accelerator", "cuda", "--out-dir", str(tmp_path), "--max-epochs", "2"])
    assert epochs == [0, 1]


def _run_script(script: Path, seed: int, out_dir: Path) -> Path:
    env = {**subprocess_env(), **CUBLAS}
    cmd = [sys.executable, str(script), "--seed", str(seed), "--out-dir", str(out_dir), "--accelerator", "cuda"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    return out_dir / "last.ckpt"


GPU_EQUIVALENCE = ["baseline", "example_mlp", "accum_3", "clip_norm", "log_dict", "hooks", "manual_gan", "bf16_mixed", "fp16_mixed_accum_clip"]
# Scripts that fail on CUDA exactly where Lightning fails: the GAN's BCELoss under float16
# autocast ("unsafe to autocast"; on the CPU, 16-mixed runs as bf16-mixed and BCELoss is allowed)
GPU_FAILS_AS_IN_LIGHTNING = {"manual_gan_16_mixed": "are unsafe to autocast"}


@pytest.mark.gpu
@pytest.mark.parametrize("name", GPU_EQUIVALENCE)
def test_gpu_matches_lightning_on_the_same_gpu(name, tmp_path, record_property, monkeypatch):
    """The golden script with `--accelerator cuda` against `Trainer(accelerator="cuda")`, same seed:
    parameters, optimizer states (and the GradScaler's under 16-mixed) equal, atol 0."""
    for key, value in CUBLAS.items():
        monkeypatch.setenv(key, value)
    case = CASES[name]
    ours = _run_script(case.dir / "train.py", case.seed, tmp_path / "ejected")
    from lgen.vendor import parse_header

    cls = parse_header((case.dir / "train.py").read_text()).class_name
    theirs = run_lightning(case.dir / "model.py", cls, {**lightning_flags(case), "accelerator": "cuda"}, case.seed, tmp_path / "lightning")
    diff = max_abs_diff(theirs, ours)
    record_property("max_abs_diff", diff)
    problems = compare(theirs, ours)
    assert problems == [], f"max abs diff {diff}\n" + "\n".join(problems)


@pytest.mark.gpu
def test_ddp_nccl_one_rank_matches_lightning(tmp_path, monkeypatch):
    """`--strategy ddp --devices 1` on CUDA: nccl, the DDP wrapper with device_ids, the
    DistributedSampler; against Lightning's ddp on one GPU."""
    for key, value in CUBLAS.items():
        monkeypatch.setenv(key, value)
    case = CASES["baseline"]
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(case.dir / "model.py", work / "model.py")
    flags = ["--strategy", "ddp", "--devices", "1", *case.args]
    p = subprocess.run([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", *flags], cwd=work, capture_output=True, text=True, env=subprocess_env())
    assert p.returncode == 0, p.stderr
    ours = run_torchrun(work / "train.py", 1, ["--seed", str(case.seed), "--accelerator", "cuda"], tmp_path / "ejected")
    lflags = {**lightning_flags(case), "strategy": "ddp", "devices": 1, "accelerator": "cuda"}
    theirs = run_lightning(case.dir / "model.py", "BaselineModel", lflags, case.seed, tmp_path / "lightning")
    problems = compare(theirs, ours)
    assert problems == [], f"max abs diff {max_abs_diff(theirs, ours)}\n" + "\n".join(problems)


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(GPU_FAILS_AS_IN_LIGHTNING))
def test_gpu_fails_where_lightning_fails(name, tmp_path):
    from equivalence.harness import RunError
    from lgen.vendor import parse_header

    case, message = CASES[name], GPU_FAILS_AS_IN_LIGHTNING[name]
    env = subprocess_env()
    cmd = [sys.executable, str(case.dir / "train.py"), "--seed", str(case.seed), "--out-dir", str(tmp_path), "--accelerator", "cuda"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert p.returncode != 0 and message in p.stderr, p.stderr
    cls = parse_header((case.dir / "train.py").read_text()).class_name
    with pytest.raises(RunError) as lightning_error:
        run_lightning(case.dir / "model.py", cls, {**lightning_flags(case), "accelerator": "cuda"}, case.seed, tmp_path / "lightning")
    assert message in lightning_error.value.stderr
