"""`--resume` from Lightning's own checkpoints, against `trainer.fit(model, ckpt_path=...)`.

Lightning 2.6.6 restores where a fit stood from the checkpoint's `loops` progress, not from its
`epoch` key (lightning/pytorch/loops/fit_loop.py, `_FitLoop.update_restart_stage` / `reset`):
a ModelCheckpoint written in on_train_epoch_end continues with the next epoch; one written in
on_validation_end after the epoch's last batch finishes that epoch (on_train_epoch_end, no
sanity check, no plateau step) and goes on; one written after the fit continues with the next
epoch. The script must do the same, checked with torch.equal on the final checkpoints.

`test_three_epochs_resumed_to_six_match_lightning` (issue 19): for manual optimization (two
optimizers with schedulers; a user-stepped step-interval scheduler), accumulation, bf16-mixed,
16-mixed's GradScaler, and DDP on 2 CPU processes, the script's "3 epochs, --resume to 6" and its
resume of Lightning's 3-epoch checkpoint both equal Lightning's "3 epochs, fit(ckpt_path=...) to
6", tensor for tensor, callback_metrics included.
"""

import os
from pathlib import Path

import pytest
from equivalence.harness import _run, compare, run_script, subprocess_env
from equivalence.zygote import LGEN_PRELOAD, SCRIPT_PRELOAD, lightning_preload, python

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "equivalence" / "models"
RUNNER = ROOT / "tests" / "equivalence" / "lightning_resume.py"
SEED = 5

VAL = (MODELS / "resume_val.py", "ResumeValModel")
NOVAL = (MODELS / "resume_noval.py", "ResumeNoValModel")

pytestmark = pytest.mark.slow


def _lightning(model, args, timeout=300):
    path, cls = model
    cmd = [os.sys.executable, RUNNER, path, cls, str(SEED), *map(str, args)]
    return _run("Lightning resume runner", cmd, ROOT, timeout, preload=lightning_preload(path))


def _checkpoints(tmp_path_factory, name, model, flags, kwargs):
    """Fit with ModelCheckpoint(**kwargs); its folder, also holding end.ckpt (after the fit)."""
    out = tmp_path_factory.mktemp(name)
    _lightning(model, [repr(flags), out, repr(kwargs)])
    return out


@pytest.fixture(scope="module")
def val_on_epoch_end(tmp_path_factory):
    # validation every epoch and val_check_interval 1.0: ModelCheckpoint saves in on_train_epoch_end
    return _checkpoints(
        tmp_path_factory, "val_epoch_end", VAL, {"max_epochs": 3}, {"save_top_k": -1}
    )


@pytest.fixture(scope="module")
def val_on_validation_end(tmp_path_factory):
    kwargs = {"save_top_k": -1, "save_on_train_epoch_end": False}
    return _checkpoints(tmp_path_factory, "val_validation_end", VAL, {"max_epochs": 3}, kwargs)


# validation every 10 batches counted over all epochs: the count goes on after a resume
GLOBAL = {"check_val_every_n_epoch": None, "val_check_interval": 10}


@pytest.fixture(scope="module")
def val_global(tmp_path_factory):
    kwargs = {"save_top_k": -1, "save_on_train_epoch_end": True}
    return _checkpoints(tmp_path_factory, "val_global", VAL, {"max_epochs": 2, **GLOBAL}, kwargs)


@pytest.fixture(scope="module")
def noval(tmp_path_factory):
    return _checkpoints(tmp_path_factory, "noval", NOVAL, {"max_epochs": 3}, {"save_top_k": -1})


@pytest.fixture(scope="module")
def ejected(tmp_path_factory):
    out = tmp_path_factory.mktemp("ejected")
    scripts = {}
    for name, (path, cls), flags in (
        ("ResumeValModel", VAL, []),
        ("ResumeNoValModel", NOVAL, []),
        ("global", VAL, ["--check-val-every-n-epoch", "None", "--val-check-interval", "10"]),
    ):
        script = out / f"{name}.py"
        cmd = [os.sys.executable, "-m", "lgen", "eject", path, "--class", cls, "-o", script, *flags]
        _run("lgen eject", cmd, ROOT, 120, preload=LGEN_PRELOAD)
        scripts[name] = script
    return scripts


def _resume_script(script, ckpt, max_epochs, out_dir, *extra):
    args = ["--seed", SEED, "--accelerator", "cpu", "--resume", ckpt, "--max-epochs", max_epochs]
    return run_script(script, [*args, *extra], out_dir)


@pytest.mark.parametrize(
    "checkpoints, model, script, ckpt, max_epochs",
    [
        ("val_on_epoch_end", VAL, "ResumeValModel", "epoch=1-step=32.ckpt", 4),
        ("val_on_epoch_end", VAL, "ResumeValModel", "epoch=2-step=48.ckpt", 3),  # nothing left
        ("val_on_epoch_end", VAL, "ResumeValModel", "end.ckpt", 4),
        ("val_on_validation_end", VAL, "ResumeValModel", "epoch=1-step=32.ckpt", 4),
        # only the epoch's end is left
        ("val_on_validation_end", VAL, "ResumeValModel", "epoch=2-step=48.ckpt", 3),
        ("val_global", VAL, "global", "epoch=0-step=16.ckpt", 3),
        ("noval", NOVAL, "ResumeNoValModel", "epoch=0-step=16.ckpt", 3),
        ("noval", NOVAL, "ResumeNoValModel", "end.ckpt", 4),
    ],
    ids=lambda v: v if isinstance(v, (str, int)) else None,
)
def test_resume_matches_lightning(
    request, ejected, tmp_path, checkpoints, model, script, ckpt, max_epochs
):
    ckpt = request.getfixturevalue(checkpoints) / ckpt
    light = tmp_path / "lightning.ckpt"
    flags = {"max_epochs": max_epochs, **(GLOBAL if script == "global" else {})}
    _lightning(model, [repr(flags), light, "--resume", ckpt])
    ours = _resume_script(ejected[script], ckpt, max_epochs, tmp_path / "script")
    problems = compare(light, ours)
    assert not problems, "\n  ".join(problems)


def test_resumed_weights_equal_an_uninterrupted_run(noval, ejected, tmp_path):
    import torch

    # nothing random after the model is built: resuming epoch 1's end and training to epoch 3
    # must give the weights, optimizer and scheduler states of Lightning's uninterrupted run
    start = noval / "epoch=0-step=16.ckpt"
    ours = _resume_script(ejected["ResumeNoValModel"], start, 3, tmp_path / "script")
    problems = compare(noval / "end.ckpt", ours)
    assert not problems, "\n  ".join(problems)
    # and the resumed run did train from the checkpoint's weights
    before = torch.load(start, weights_only=True)["state_dict"]
    after = torch.load(ours, weights_only=True)["state_dict"]
    assert not any(torch.equal(before[k], after[k]) for k in before)


def _refused(script, ckpt, tmp_path, *extra):
    args = ["--seed", SEED, "--accelerator", "cpu", "--resume", ckpt, "--out-dir", tmp_path / "o"]
    r = python(
        [script, *map(str, args), *extra], cwd=ROOT, env=subprocess_env(), preload=SCRIPT_PRELOAD
    )
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "o" / "last.ckpt").exists()
    return r.stderr.strip().splitlines()[-1]


def test_mid_epoch_checkpoint_is_refused(ejected, tmp_path_factory, tmp_path):
    kwargs = {"save_top_k": -1, "every_n_train_steps": 5}
    steps = _checkpoints(tmp_path_factory, "steps", NOVAL, {"max_epochs": 1}, kwargs)
    line = _refused(ejected["ResumeNoValModel"], steps / "epoch=0-step=5.ckpt", tmp_path)
    assert "mid-epoch" in line and "not supported" in line, line


def test_max_steps_with_a_lightning_checkpoint_is_refused(noval, ejected, tmp_path):
    ckpt = noval / "epoch=0-step=16.ckpt"
    line = _refused(ejected["ResumeNoValModel"], ckpt, tmp_path, "--max-steps", "100")
    assert "max_steps" in line, line


# "3 epochs, resume to 6" (issue 19): the script run to 3 epochs and resumed with --resume to 6
# equals Lightning's fit to 3 and a new Trainer's fit(ckpt_path=...) to 6, tensor for tensor
# (state_dict, optimizer and scheduler states, global_step, epoch, callback_metrics); and the
# script resumes Lightning's 3-epoch checkpoint to the same end. Lightning's side runs both its
# fits in one process (lightning_resume.py --chain). Lightning cannot resume the script's own
# last.ckpt the same way: it holds no `loops` (contract §2's keys only), and without them
# `_CheckpointConnector.restore_loops` restores no epoch or step, so Lightning would start over.
MORE = MODELS / "resume_more.py"
FIRST, LAST = 3, 6
CHAIN = [
    # manual: two optimizers with state and a scheduler each, toggling, validation
    pytest.param("ResumeGanModel", {}, id="manual_gan"),
    # manual: a scheduler the user steps every second batch
    pytest.param("ResumeManualStepModel", {}, id="manual_step_sched"),
    # each epoch ends on a short accumulation window; a step-interval scheduler
    pytest.param("ResumeAccumModel", {"accumulate_grad_batches": 3}, id="accum"),
    pytest.param("ResumeAccumModel", {"precision": "bf16-mixed"}, id="bf16_mixed"),
    pytest.param(
        "ResumeAccumModel",
        {"strategy": "ddp", "devices": 2, "accumulate_grad_batches": 2},
        id="ddp",
    ),
    # 16-mixed's GradScaler path, forced onto the CPU on both sides as tests/test_precision.py
    # does: a scale that dropped in the first 3 epochs must go on from there
    pytest.param("ResumeAccumModel", {"precision": "16-mixed", "fp16_cpu_plugin": True}, id="fp16_scaler_cpu"),
    pytest.param(
        "ResumeAccumModel",
        {"precision": "16-mixed", "accelerator": "cuda"},
        id="fp16_cuda",
        marks=pytest.mark.gpu,
    ),
]


def _lightning_chain(cls, flags, out):
    from equivalence.harness import distributed_env, is_distributed

    cmd = [os.sys.executable, RUNNER, MORE, cls, str(SEED), repr({**flags, "max_epochs": LAST})]
    cmd += [out, "--chain", str(FIRST)]
    if is_distributed(flags):  # Lightning's launcher starts the other ranks: a real process
        _run("Lightning resume chain", cmd, ROOT, 300, extra_env=distributed_env())
    elif flags.get("accelerator", "cpu") != "cpu":
        _run("Lightning resume chain", cmd, ROOT, 300)
    else:
        _run("Lightning resume chain", cmd, ROOT, 300, preload=lightning_preload(MORE))
    return out / "first.ckpt", out / "resumed.ckpt"


def _script(script, flags, out_dir, *args):
    from equivalence.harness import run_torchrun

    args = ["--seed", SEED, "--accelerator", flags.get("accelerator", "cpu"), *args]
    if flags.get("strategy") == "ddp":
        return run_torchrun(script, flags["devices"], args, out_dir)
    return run_script(script, args, out_dir)


@pytest.mark.parametrize("cls, flags", CHAIN)
def test_three_epochs_resumed_to_six_match_lightning(cls, flags, tmp_path, monkeypatch):
    from equivalence.harness import flags_to_cli
    from test_gpu import CUBLAS

    if flags.get("accelerator") == "cuda":
        for key, value in CUBLAS.items():  # as tests/test_gpu.py runs both sides
            monkeypatch.setenv(key, value)

    import torch

    script = tmp_path / "train.py"
    fp16_cpu = flags.get("fp16_cpu_plugin", False)
    eject_flags = {k: v for k, v in flags.items() if k != "fp16_cpu_plugin"}
    eject = [os.sys.executable, "-m", "lgen", "eject", MORE, "--class", cls, "-o", script]
    eject += flags_to_cli({**eject_flags, "max_epochs": LAST})
    _run("lgen eject", eject, ROOT, 120, preload=LGEN_PRELOAD)
    if fp16_cpu:
        from test_precision import DTYPE_SWITCH, SCALER_SWITCH

        text = script.read_text()
        assert text.count(SCALER_SWITCH) == 1 and text.count(DTYPE_SWITCH) == 1, "the switches moved"
        text = text.replace(SCALER_SWITCH, 'torch.amp.GradScaler("cpu")')
        script.write_text(text.replace(DTYPE_SWITCH, "torch.float16"))
        # Lightning gets the plugin instead of the precision flag
        flags = {k: v for k, v in flags.items() if k != "precision"}
    first, resumed = _lightning_chain(cls, flags, tmp_path)

    ours_first = _script(script, flags, tmp_path / "s3", "--max-epochs", FIRST)
    ours = _script(script, flags, tmp_path / "s6", "--resume", ours_first, "--max-epochs", LAST)
    from_lightning = _script(script, flags, tmp_path / "x6", "--resume", first, "--max-epochs", LAST)

    problems = [f"first {FIRST} epochs: {p}" for p in compare(first, ours_first)]
    problems += [f"script resumed: {p}" for p in compare(resumed, ours)]
    problems += [f"Lightning's checkpoint resumed: {p}" for p in compare(resumed, from_lightning)]
    if eject_flags.get("precision") == "16-mixed":  # the GradScaler's state, which compare() leaves out
        load = lambda path: torch.load(path, weights_only=False)["MixedPrecision"]  # noqa: E731
        for what, theirs, ours_ in (("first", first, ours_first), ("resumed", resumed, ours),
                                    ("Lightning's resumed", resumed, from_lightning)):  # fmt: skip
            if load(theirs) != load(ours_):
                problems.append(f"{what}: MixedPrecision {load(theirs)} != {load(ours_)}")
    if fp16_cpu:  # observable: the scale dropped before the checkpoint, a fresh one would differ
        assert load(first)["scale"] < 65536.0, load(first)
    assert not problems, "\n  ".join(problems)
