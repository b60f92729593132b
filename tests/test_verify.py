"""`lgen verify` (issue 17): the Lightning run and the ejected script side by side, compared
after every optimizer step.

- golden cases (automatic, manual, a run entry) verify bit-exact;
- divergences planted in the ejected script (`--script`, the test-only way to compare with a
  given script) are caught at the step, tensor and phase where they first show;
- without Lightning, verify says how to install it (exit 2); usage errors exit 2;
- under DDP (`--strategy ddp --devices 2` on CPU) every rank of both sides is recorded and
  compared rank by rank; a divergence or a failure on one rank is named with its rank, and no
  rank is left waiting.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"


def _verify(args, cwd, timeout=600):
    return subprocess.run([sys.executable, "-m", "lgen", "verify", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _case(name: str, tmp_path: Path) -> Path:
    """The golden case's entry copied into a folder of its own."""
    src = GOLDEN / name
    dst = tmp_path / name
    if (src / "project").is_dir():
        shutil.copytree(src / "project", dst, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        dst.mkdir()
        shutil.copy(src / "model.py", dst / "model.py")
    return dst


def _flags(name: str) -> list[str]:
    import tomllib

    meta = tomllib.loads((GOLDEN / name / "case.toml").read_text())
    return (["--class", meta["class"]] if "class" in meta else []) + list(meta.get("args", []))


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, extra",
    [
        ("baseline", []),  # automatic optimization, dropout, momentum
        ("example_mlp", []),  # AdamW + StepLR, save_hyperparameters
        ("manual_gan", []),  # manual optimization, two optimizers
        ("run_datamodule", ["--args", "--lr 0.03"]),  # a run entry: seed_everything, a datamodule
        ("run_datamodule", ["--args", "--lr 0.03", "--seed", "3"]),  # --seed replaces the run's seed on both sides
        ("bf16_mixed", []),  # autocast on CPU
        ("datamodule_flag", []),  # a model file with `--datamodule NAME`: contract §3's fit on NAME()
        ("datamodule_flag_file", []),  # `--datamodule FILE.py:NAME`, a class of another file
    ],
)
def test_golden_cases_verify_bit_exact(name, extra, tmp_path):
    folder = _case(name, tmp_path)
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    done = _verify(["model.py", *_flags(name), "--steps", "12", *extra], folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("bit-exact over "), done.stdout
    # the user's folder is left as it was: the runs happened in copies
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def _planted(tmp_path: Path, old: str, new: str) -> Path:
    """baseline's ejected script with one planted change."""
    text = (GOLDEN / "baseline" / "train.py").read_text()
    assert text.count(old) == 1, old
    script = tmp_path / "planted.py"
    script.write_text(text.replace(old, new))
    return script


# each plant: (old text, new text, step, tensor, phase) -- where the change first shows
PLANTS = {
    # the learning rate changed after step 6: step 7's update (the parameters) differs, not its loss
    # or gradients
    "lr_at_step_7": (
        "        loop.global_step += 1  # counted even when nothing changed (a None loss)\n",
        "        loop.global_step += 1  # counted even when nothing changed (a None loss)\n"
        "        if loop.global_step == 6:\n"
        '            optimizer.param_groups[0]["lr"] = 0.04\n',
        7,
        "net.0.weight",
        "after optimizer.step (the parameters)",
    ),
    # one extra draw from torch's RNG before batch 3's training_step: its dropout mask changes
    "extra_rng_draw": (
        "            output = model.training_step(batch, batch_idx)\n",
        "            if batch_idx == 3:\n"
        "                torch.rand(1)\n"
        "            output = model.training_step(batch, batch_idx)\n",
        4,
        "loss",
        "backward (the loss)",
    ),
    # batch 4's zero_grad skipped: step 5 adds its gradients to step 4's (same loss)
    "skipped_zero_grad": (
        "            optimizer.zero_grad()\n            loss.backward()\n",
        "            if batch_idx != 4:\n                optimizer.zero_grad()\n            loss.backward()\n",
        5,
        "grad of net.0.weight",
        "optimizer.step (the gradients it applied)",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_planted_divergence_is_caught_where_it_shows(plant, tmp_path):
    old, new, step, tensor, phase = PLANTS[plant]
    script = _planted(tmp_path, old, new)
    folder = _case("baseline", tmp_path)
    done = _verify(["model.py", *_flags("baseline"), "--steps", "10", "--script", str(script)], folder)
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"diverged at step {step}: {tensor} (max abs diff "), done.stdout
    assert float(first.rsplit(" ", 1)[1].rstrip(")")) > 0
    assert f"  phase: {phase}" in done.stdout
    assert "  hint: " in done.stdout
    if step > 1:
        assert f"  steps 1-{step - 1} matched" in done.stdout


@pytest.mark.slow
def test_atol_accepts_a_small_difference(tmp_path):
    """A learning rate changed by 1e-7 at step 7: bit-exact it diverges there; with an atol above
    the difference it is a match 'within atol' that reports the largest difference."""
    old, new, *_ = PLANTS["lr_at_step_7"]
    script = _planted(tmp_path, old, new.replace("0.04", "0.0500001"))
    folder = _case("baseline", tmp_path)
    args = ["model.py", *_flags("baseline"), "--steps", "8", "--script", str(script)]
    exact = _verify(args, folder)
    assert exact.returncode == 1 and exact.stdout.startswith("diverged at step 7: "), exact.stdout
    loose = _verify([*args, "--atol", "1e-3"], folder)
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert loose.stdout.startswith("within atol 0.001 over 8 steps (max abs diff "), loose.stdout


def test_without_lightning_verify_says_how_to_install_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from lgen import cli, verify

    monkeypatch.setattr(verify, "lightning_missing", lambda python: f"Lightning is not installed for {python}")
    folder = _case("baseline", tmp_path)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli.app, ["verify", "model.py", "--max-epochs", "2"])
    assert result.exit_code == 2
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Lightning is not installed" in out and "pip install 'lgen[verify]'" in out


def test_lightning_probe_does_not_import_it():
    """The probe finds Lightning in this interpreter without importing it, and reports an
    interpreter without it."""
    from lgen import verify

    assert verify.lightning_missing(sys.executable) is None
    bare = shutil.which("python3", path="/usr/bin")
    if bare is None or subprocess.run([bare, "-c", "import lightning"], capture_output=True).returncode == 0:
        pytest.skip("no interpreter without Lightning here")
    assert "not installed" in verify.lightning_missing(bare)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "0"], "--steps"),
        (["-o", "x.py"], "verify writes nothing"),
        (["--timeout", "0"], "--timeout"),
        (["--max-epochs", "nope"], "nope"),
    ],
)
def test_usage_errors_exit_2(args, message, tmp_path):
    folder = _case("baseline", tmp_path)
    done = _verify(["model.py", *args], folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr


@pytest.mark.slow
def test_verify_itself_never_imports_torch(tmp_path):
    """lgen stays static: torch and Lightning run only in the side processes."""
    from test_bench_lazy import loaded

    folder = _case("baseline", tmp_path)
    modules, code = loaded(["verify", str(folder / "model.py"), "--max-epochs", "2", "--steps", "3"])
    assert code == 0
    assert not modules & {"torch", "lightning"}


@pytest.mark.slow
def test_a_side_that_fails_is_a_divergence_at_its_step(tmp_path):
    script = _planted(
        tmp_path,
        "        loop.global_step += 1  # counted even when nothing changed (a None loss)\n",
        "        loop.global_step += 1  # counted even when nothing changed (a None loss)\n"
        "        if loop.global_step == 2:\n"
        '            raise RuntimeError("planted")\n',
    )
    folder = _case("baseline", tmp_path)
    done = _verify(["model.py", *_flags("baseline"), "--steps", "4", "--script", str(script)], folder)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "diverged at step 3: the ejected script made only 2 optimizer steps, the Lightning run 4", done.stdout
    assert "  the ejected script failed: RuntimeError: planted" in lines


def test_a_refused_ejection_is_reported_and_nothing_runs(tmp_path):
    folder = _case("err_multi_optimizer_auto", tmp_path)
    done = _verify(["model.py", *_flags("err_multi_optimizer_auto")], folder)
    assert done.returncode == 1, done.stdout + done.stderr
    expected = (GOLDEN / "err_multi_optimizer_auto" / "stderr.txt").read_text()
    assert expected.splitlines()[0] in done.stderr
    assert done.stdout == ""


@pytest.mark.slow
def test_manual_optimization_plant_is_caught(tmp_path):
    """Manual optimization (the GAN, two optimizers stepped alternately: D at odd steps, G at even
    ones): G's learning rate halved after step 6 shows at step 7 in the optimizer state, the
    first record after it, before any parameter moves differently."""
    text = (GOLDEN / "manual_gan" / "train.py").read_text()
    old = "        output = optimizer.step(*args, **kwargs)\n        self.global_step += 1\n"
    assert text.count(old) == 1
    planted = old + '        if self.global_step == 6:\n            optimizer.param_groups[0]["lr"] *= 0.5\n'
    script = tmp_path / "planted.py"
    script.write_text(text.replace(old, planted))
    folder = _case("manual_gan", tmp_path)
    done = _verify(["model.py", *_flags("manual_gan"), "--steps", "9", "--script", str(script)], folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("diverged at step 7: optimizer[0].param_groups[0].lr (max abs diff "), done.stdout
    assert "  phase: after optimizer.step (the optimizer state); in step 7 the loss, the gradients, the parameters matched" in done.stdout


# ------------------------------------------------------------------------------------------ DDP

DDP_STEP = '            output = call_step(model, loop, "training_step", batch, batch_idx)\n'
DDP_COUNT = "            loop.global_step += 1  # counted even when nothing changed (a None loss)\n"


def _ddp_planted(tmp_path: Path, old: str, new: str) -> Path:
    text = (GOLDEN / "ddp_accum_2" / "train.py").read_text()
    assert text.count(old) == 1, old
    script = tmp_path / "planted.py"
    script.write_text(text.replace(old, new))
    return script


def _ddp_args(steps: int) -> list[str]:
    # ddp_accum_2: 80 samples, batches of 8 shared by 2 ranks (5 a rank an epoch), 2 to a step
    return ["model.py", *_flags("ddp_accum_2"), "--accelerator", "cpu", "--steps", str(steps)]


@pytest.mark.slow
def test_ddp_verifies_bit_exact_on_every_rank(tmp_path):
    """Lightning's launcher re-runs the recorder for rank 1; torchrun starts both ranks of the
    script, recorded through sitecustomize.py. Each rank recorded its own steps (its own shard of
    the data: the ranks' losses differ), and they match rank by rank."""
    import torch

    folder = _case("ddp_accum_2", tmp_path)
    keep = tmp_path / "keep"
    done = _verify([*_ddp_args(4), "--keep", str(keep)], folder, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "bit-exact over 4 steps\n", done.stdout
    losses = {}
    for side in ("lightning", "script"):
        assert sorted(p.name for p in (keep / f"{side}.records").iterdir() if p.suffix == ".pt") == ["rank0.pt", "rank1.pt"]
        for rank in (0, 1):
            record = torch.load(keep / f"{side}.records" / f"rank{rank}.pt", weights_only=False)
            assert record["status"] == "stopped" and len(record["records"]) == 4
            losses[side, rank] = [v for phase, _name, v in record["records"][0] if phase == 0]
    assert len(losses["lightning", 0]) == 2  # two batches accumulated
    assert not torch.equal(losses["lightning", 0][0], losses["lightning", 1][0])
    assert sorted(p.name for p in folder.iterdir()) == ["model.py"]


@pytest.mark.slow
def test_ddp_loader_workers_write_no_records(tmp_path):
    """DataLoader workers are forked from a rank and end through os._exit, which the recorder
    wraps for the script's own exit: a worker writes nothing (it once overwrote its rank's records
    with those it was forked with, at the epoch's end)."""
    folder = _case("ddp_accum_2", tmp_path)
    model = folder / "model.py"
    text = model.read_text()
    old = "batch_size=8, shuffle=True)"
    assert text.count(old) == 1
    model.write_text(text.replace(old, "batch_size=8, shuffle=True, num_workers=2)"))
    # 3 optimizer steps an epoch: step 5 is in the second epoch, after the first one's workers ended
    done = _verify(_ddp_args(5), folder, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "bit-exact over 5 steps\n", done.stdout


@pytest.mark.slow
def test_ddp_run_verifies_bit_exact_on_every_rank(tmp_path):
    """A run entry under DDP: Lightning's launcher and the script's own (as Lightning's) start
    rank 1 as `python FILE ARGS`; sitecustomize.py records it on both sides."""
    folder = _case("run_ddp", tmp_path)
    keep = tmp_path / "keep"
    done = _verify(["model.py", "--steps", "4", "--keep", str(keep)], folder, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "bit-exact over 4 steps\n", done.stdout
    for side in ("lightning", "script"):
        assert sorted(p.name for p in (keep / f"{side}.records").iterdir() if p.suffix == ".pt") == ["rank0.pt", "rank1.pt"]


@pytest.mark.slow
def test_ddp_divergence_on_one_rank_is_caught_there(tmp_path):
    """An extra RNG draw on rank 1 before its batch 3 (step 2's second batch): its dropout mask,
    so rank 1's second loss of step 2. Rank 0's gradients differ in the same step too (averaged
    over the ranks), but the loss comes first: the verdict names rank 1."""
    script = _ddp_planted(tmp_path, DDP_STEP, "            if loop.rank == 1 and batch_idx == 3:\n                torch.rand(1)\n" + DDP_STEP)
    folder = _case("ddp_accum_2", tmp_path)
    done = _verify([*_ddp_args(4), "--script", str(script)], folder, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("diverged at step 2 on rank 1: loss[1] (max abs diff "), done.stdout
    assert float(first.rsplit(" ", 1)[1].rstrip(")")) > 0
    assert "  phase: backward (the loss)\n" in done.stdout
    assert "  steps 1-1 matched on every rank\n" in done.stdout


@pytest.mark.slow
def test_ddp_a_rank_that_fails_is_named_and_nothing_hangs(tmp_path):
    """Rank 1 of the script raises after its step 2; rank 0 is left in a collective (torchrun
    ends it). The verdict names rank 1 (the first to fail), and verify returns."""
    script = _ddp_planted(
        tmp_path,
        DDP_COUNT,
        DDP_COUNT + '            if loop.rank == 1 and loop.global_step == 2:\n                raise RuntimeError("planted")\n',
    )
    folder = _case("ddp_accum_2", tmp_path)
    done = _verify([*_ddp_args(4), "--script", str(script), "--timeout", "180"], folder, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "diverged at step 3 on rank 1: the ejected script made only 2 optimizer steps, the Lightning run 4", done.stdout
    assert "  the ejected script failed on rank 1: RuntimeError: planted" in lines


@pytest.mark.slow
def test_ddp_a_rank_that_hangs_is_stopped_at_the_timeout(tmp_path):
    """Rank 1 of the script stops answering after its step 2 (rank 0 waits for it in step 3's
    gradient all-reduce): at --timeout, every process of the side is ended and verify says so."""
    script = _ddp_planted(
        tmp_path,
        DDP_COUNT,
        DDP_COUNT + '            if loop.rank == 1 and loop.global_step == 2:\n                __import__("time").sleep(3600)\n',
    )
    folder = _case("ddp_accum_2", tmp_path)
    keep = tmp_path / "keep"
    done = _verify([*_ddp_args(4), "--script", str(script), "--timeout", "45", "--keep", str(keep)], folder, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    # (on a loaded machine the Lightning run may pass 45 s too: then it is reported first)
    assert any(
        line.startswith("the ejected script did not finish within 45 s (a rank waiting in a collective") for line in done.stdout.splitlines()
    ), done.stdout
    # no rank of it is left running
    pids = [int(p.name[4:]) for p in (keep / "script.records").iterdir() if p.name.startswith("pid-")]
    assert len(pids) == 2
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "State:\tZ" in status.read_text(), pid
