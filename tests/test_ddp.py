"""DDP (`--strategy ddp --devices N`): what the script contains, and what lgen refuses.

The runs against Lightning's `strategy="ddp", devices=2` on CPU (gloo) are the golden cases
ddp_accum_2 / ddp_manual and the ddp_* matrix cases in test_equivalence.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lgen.options import Flags
from lgen.pipeline import eject

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _eject(model: Path, cls: str | None, **flags):
    return eject(str(model), Flags(**flags), cls, display_path="model.py", command=[], script_name="train.py")


def test_nothing_of_ddp_in_a_single_device_script():
    text = _eject(GOLDEN / "baseline" / "model.py", "BaselineModel").text
    for absent in ("distributed", "DistributedDataParallel", "torchrun", "call_step", "no_sync", "os._exit", "RANK"):
        assert absent not in text, absent


def test_ddp_script_sections():
    text = _eject(GOLDEN / "accum_3" / "model.py", "BaselineModel", strategy="ddp", devices=2, accumulate_grad_batches=2).text
    for needle in (
        'torch.distributed.init_process_group(\n        "gloo" if device.type == "cpu" else "nccl"',
        "torch.nn.parallel.DistributedDataParallel(",
        'call_step(model, loop, "training_step", batch, batch_idx)',
        'call_step(model, loop, "validation_step", batch, batch_idx)',
        "with loop.ddp.no_sync():",
        "set_sampler_epoch(loop.train_loader, loop.current_epoch)",
        "distributed_loader(model.train_dataloader(), loop, train=True)",
        "if loop.rank == 0:",
        "os._exit(0)",
        "DEVICES = 2",
    ):
        assert needle in text, needle


def test_manual_ddp_arms_the_reducer():
    text = _eject(GOLDEN / "manual_minimal" / "model.py", "MinimalManual", strategy="ddp", devices=2).text
    assert "ddp.reducer.prepare_for_backward([])" in text
    assert "manual_backward(self, loss)  # lgen: was self.manual_backward(loss)" in text
    assert "loop.ddp.require_backward_grad_sync = False" in text


@pytest.mark.parametrize("call", [
    'self.log("train_loss", loss, sync_dist=True)',
    'self.log("train_loss", loss, False, True, True, False, "mean", False, True)',  # positional, as Lightning allows
    'self.log_dict({"train_loss": loss}, sync_dist=True)',
])  # fmt: skip
def test_sync_dist_under_ddp_syncs(call):
    src = (GOLDEN / "baseline" / "model.py").read_text().replace('self.log("train_loss", loss)', call)
    text = eject_text(src, strategy="ddp", devices=2).text
    assert "def sync(value, reduce_fx):" in text and "sync_dist=True" in text
    plain = eject_text((GOLDEN / "baseline" / "model.py").read_text(), strategy="ddp", devices=2).text
    assert "def sync(" not in plain and "sync_dist" not in plain


def eject_text(source: str, **flags):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "model.py"
        path.write_text(source)
        return _eject(path, None, **flags)


def test_several_devices_without_ddp_are_refused():
    result = _eject(GOLDEN / "baseline" / "model.py", "BaselineModel", devices=2)
    assert result.text is None
    assert any(d.code == "LGEN402" and "--strategy ddp" in d.help for d in result.diagnostics)


def test_the_script_says_how_to_launch_it(tmp_path):
    script = GOLDEN / "ddp_accum_2" / "train.py"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    p = subprocess.run([sys.executable, str(script), "--out-dir", str(tmp_path)], capture_output=True, text=True, env=env)
    assert p.returncode == 2
    assert "run under torchrun: torchrun --nproc-per-node 2" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.gpu
def test_ddp_runs_on_gpus(tmp_path):
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs 2 CUDA devices (nccl)")
    from equivalence.harness import run_torchrun

    ckpt = run_torchrun(GOLDEN / "ddp_accum_2" / "train.py", 2, ["--seed", "1234", "--accelerator", "cuda"], tmp_path)
    state = torch.load(ckpt, weights_only=True)
    assert state["global_step"] == 6
    assert all(torch.isfinite(t).all() for t in state["state_dict"].values() if t.is_floating_point())
