"""A model file whose data lgen is not shown (contract §4): the script's `fit` is imported and
called with the user's data, as `trainer.fit(model, ...)` is; Lightning's data rules (loaders
win, a datamodule's own hooks only, no validation without a val source) match Lightning 2.6.6."""

import subprocess
import sys
from pathlib import Path

import pytest
from equivalence.harness import METRICS_SUFFIX, compare, subprocess_env
from golden_cases import GOLDEN, load_cases

CASE = next(c for c in load_cases() if c.name == "data_api")

# the user's code: the same data handed to Lightning's Trainer.fit or to the script's fit
DRIVER = r"""
import importlib.util, sys, torch
side, script, model_file, how, out = sys.argv[1:]
def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec); sys.modules[name] = m; spec.loader.exec_module(m); return m
user = load("user_model", model_file)
from lightning.pytorch import seed_everything
from torch.utils.data import DataLoader
seed_everything(5)
if side == "lightning":
    from lightning.pytorch import Trainer
    model = user.Regressor()
else:
    train = load("train", script)
    model = train.Regressor()
    train.OPTIONS.out_dir = out
dm = user.Data()
kw = {
    "loaders": dict(train_dataloaders=DataLoader(user.dataset(48, 4), batch_size=8, shuffle=True), val_dataloaders=DataLoader(user.dataset(16, 5), batch_size=8)),
    "train_only": dict(train_dataloaders=DataLoader(user.dataset(48, 4), batch_size=8, shuffle=True)),
    "datamodule": dict(datamodule=dm),
    "positional_dm": dict(train_dataloaders=dm),
    "val_list": dict(train_dataloaders=DataLoader(user.dataset(48, 4), batch_size=8, shuffle=True), val_dataloaders=[DataLoader(user.dataset(16, 5), batch_size=8), DataLoader(user.dataset(8, 6))]),
    "val_tuple_one": dict(train_dataloaders=DataLoader(user.dataset(48, 4), batch_size=8, shuffle=True), val_dataloaders=(DataLoader(user.dataset(16, 5), batch_size=8),)),
    "both": dict(train_dataloaders=DataLoader(user.dataset(48, 4)), datamodule=dm),
}[how]
try:
    if side == "lightning":
        trainer = Trainer(max_epochs=2, accelerator="cpu", deterministic=True, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
        trainer.fit(model, **kw)
        metrics = trainer.callback_metrics
        trainer.save_checkpoint(out + "/last.ckpt")
    else:
        loop = train.fit(model, **kw)
        assert model.loop is loop
        metrics = loop.callback_metrics
except Exception as e:
    print("ERROR", str(e)); sys.exit(0)
torch.save({k: v.detach() for k, v in metrics.items()}, out + "/last.ckpt" + %r)
print("CALLS", dm.calls)
""" % METRICS_SUFFIX


def _run(side, script, how, out):
    out.mkdir(parents=True)
    args = [sys.executable, "-c", DRIVER, side, str(script), str(GOLDEN / "data_api" / "model.py"), how, str(out)]
    r = subprocess.run(args, capture_output=True, text=True, env=subprocess_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.splitlines() if line.startswith(("ERROR", "CALLS"))]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["loaders", "train_only", "datamodule", "positional_dm", "val_list", "val_tuple_one", "both"])
def test_fit_api_matches_lightning(how, tmp_path):
    r = CASE.eject(tmp_path / "eject")
    assert r.returncode == 0, r.stderr
    script = tmp_path / "eject" / "train.py"
    theirs = _run("lightning", script, how, tmp_path / "lightning")
    ours = _run("script", script, how, tmp_path / "ours")
    assert ours == theirs  # the same datamodule hooks ran, or the same error
    if how == "both":
        assert theirs[0].startswith("ERROR You cannot pass")
        return
    if how == "val_list":  # several loaders, but validation_step takes no dataloader_idx: Lightning raises
        assert theirs[0].startswith("ERROR You provided multiple `val_dataloader`")
        return
    assert compare(tmp_path / "lightning" / "last.ckpt", tmp_path / "ours" / "last.ckpt") == []
    import torch

    a = torch.load(tmp_path / "lightning" / f"last.ckpt{METRICS_SUFFIX}")
    b = torch.load(tmp_path / "ours" / f"last.ckpt{METRICS_SUFFIX}")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert "val_loss" in a  # validated on the loaders, the datamodule's hook, or (train only) the model's


@pytest.mark.slow
def test_script_says_how_to_supply_data(tmp_path):
    r = CASE.eject(tmp_path)
    assert r.returncode == 0, r.stderr
    run = subprocess.run([sys.executable, str(tmp_path / "train.py")], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "fit(model" in run.stderr


def test_a_datamodule_the_script_does_not_reproduce_stops_the_run(tmp_path):
    """A datamodule handed to the script's `fit` at run time with batch-transfer hooks, a state
    or saved hyperparameters stops the run before it trains (the script would ignore them)."""
    import importlib.util

    import lightning as L

    spec = importlib.util.spec_from_file_location("data_api_train", GOLDEN / "data_api" / "train.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    class Plain(L.LightningDataModule):
        def train_dataloader(self):
            return []

    class Moving(Plain):
        def on_after_batch_transfer(self, batch, dataloader_idx):
            return batch

    class Stateful(Plain):
        def state_dict(self):
            return {"seen": 1}

    class Saving(Plain):
        def __init__(self, size=3):
            super().__init__()
            self.save_hyperparameters()

    script.check_datamodule(Plain())
    for dm, what in ((Moving(), "`on_after_batch_transfer`"), (Stateful(), "`state_dict`"), (Saving(), "saved hyperparameters")):
        with pytest.raises(SystemExit, match=what):
            script.check_datamodule(dm)
