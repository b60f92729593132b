"""Faithful or loud: bad input gets one clear message and the right exit code, never a traceback.

Every case runs the real `python -m lgen` command in a process of its own, as a user would:
forked from a warm interpreter that has imported lgen's libraries (equivalence/zygote.py; with
LGEN_TEST_FRESH_PROCESSES=1, a fresh one). The internal-error cases start a fresh `python -c`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from equivalence.zygote import LGEN_PRELOAD, python

REPO = Path(__file__).resolve().parents[1]
MLP = REPO / "examples" / "mlp.py"


def lgen(*args, cwd=None, env=None):
    full_env = {k: v for k, v in os.environ.items() if k != "LGEN_TRACEBACK"}
    full_env.update(env or {})
    return python(["-m", "lgen", *args], cwd=cwd or os.getcwd(), env=full_env, timeout=120, preload=LGEN_PRELOAD)


def assert_clean(p, code):
    assert p.returncode == code, f"exit {p.returncode}, wanted {code}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert "Traceback" not in p.stderr, p.stderr
    assert "Traceback" not in p.stdout, p.stdout
    assert p.stderr.strip(), "an error must say something"


# A valid model; the diagnostic cases below replace parts of it.
BASE = '''\
import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4)
'''


def write(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_base_model_ejects(tmp_path):
    # the diagnostic cases are meaningful only if the unmodified model ejects
    model = write(tmp_path, BASE)
    p = lgen("eject", model, "-o", tmp_path / "train.py")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "train.py").exists()


# ---------------------------------------------------------------------------------------------
# usage errors (exit 2) and unreadable files


def test_missing_file(tmp_path):
    p = lgen("eject", tmp_path / "nope.py")
    assert_clean(p, 2)
    assert "nope.py" in p.stderr and "no such file" in p.stderr


def test_directory(tmp_path):
    p = lgen("eject", tmp_path)
    assert_clean(p, 2)
    assert "directory" in p.stderr


def test_non_utf8(tmp_path):
    model = tmp_path / "model.py"
    model.write_bytes(b"import lightning as L\nx = '\xff\xfe\x80'\n")
    p = lgen("eject", model)
    assert_clean(p, 2)
    assert "UTF-8" in p.stderr


def test_syntax_error(tmp_path):
    model = write(tmp_path, "import lightning as L\n\nclass M(L.LightningModule):\n    def f(self:\n        pass\n")
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert "LGEN101" in p.stderr
    first = p.stderr.splitlines()[0]
    path, line, col = first.split(":")[:3]
    assert path == "model.py" and line.isdigit() and col.isdigit(), first
    assert (int(line), int(col)) == (4, 10), first  # Python's own location: the unclosed `(`
    assert " |" in p.stderr and "^" in p.stderr


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "1 + " * 20000 + "1\n",  # overflowed libcst's native parser: a segfault
        "x = " + "[" * 5000 + "]" * 5000 + "\n",
        "x = " + "-" * 100000 + "1\n",
        "import lightning as L\nreturn 1\n",  # parses, but Python cannot compile it
        "x = b'a' 'b'\n",  # libcst raised CSTValidationError, not a syntax error
    ],
    ids=["deep_binop", "deep_brackets", "deep_unary", "return_outside_function", "bytes_and_str"],
)
def test_python_cannot_compile(tmp_path, source):
    write(tmp_path, source)
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert "LGEN101" in p.stderr


def test_empty_file(tmp_path):
    write(tmp_path, "")
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert "LGEN102" in p.stderr


def test_no_lightning_module(tmp_path):
    write(tmp_path, "import torch\n\nclass Net(torch.nn.Module):\n    pass\n")
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert "LGEN102" in p.stderr


def test_two_modules_without_class(tmp_path):
    two = BASE + "\n\nclass Other(L.LightningModule):\n    pass\n"
    write(tmp_path, two)
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert "Model" in p.stderr and "Other" in p.stderr and "--class" in p.stderr
    # and --class picks one
    p = lgen("eject", "model.py", "--class", "Model", cwd=tmp_path)
    assert p.returncode == 0, p.stderr


def test_unknown_class(tmp_path):
    write(tmp_path, BASE)
    p = lgen("eject", "model.py", "--class", "Nope", cwd=tmp_path)
    assert_clean(p, 2)
    assert "Nope" in p.stderr


@pytest.mark.parametrize(
    "flag,value,needle",
    [
        ("--max-epochs", "-5", "max_epochs"),
        ("--accumulate-grad-batches", "0", "accumulate_grad_batches"),
        ("--gradient-clip-algorithm", "foo", "gradient_clip_algorithm"),
        ("--precision", "8", "recision"),
        ("--limit-train-batches", "1.5", "limit_train_batches"),
        ("--val-check-interval", "0", "val_check_interval"),
        ("--num-sanity-val-steps", "-2", "num_sanity_val_steps"),
        ("--max-epochs", "abc", "max-epochs"),
        ("--limit-val-batches", "lots", "limit-val-batches"),
        ("--gradient-clip-val", "abc", "--gradient-clip-val takes a number (the clipping threshold), not 'abc'"),
        ("--strategy", "fsdp", "strategy"),
    ],
)
def test_flags_lightning_rejects(tmp_path, flag, value, needle):
    model = write(tmp_path, BASE)
    out = tmp_path / "train.py"
    p = lgen("eject", model, "-o", out, flag, value)
    assert_clean(p, 2)
    assert needle in p.stderr
    assert len(p.stderr.strip().splitlines()) <= 5, p.stderr
    assert not out.exists()


def test_float_val_check_interval_without_epochs(tmp_path):
    # Lightning's DataConnector.on_trainer_init raises at Trainer(...): a fraction of an epoch has
    # no meaning when validation counts batches across epochs (check_val_every_n_epoch=None)
    model = write(tmp_path, BASE)
    out = tmp_path / "train.py"
    p = lgen("eject", model, "-o", out, "--val-check-interval", "0.5", "--check-val-every-n-epoch", "none")
    assert_clean(p, 2)
    assert "`val_check_interval` should be an integer" in p.stderr and "check_val_every_n_epoch=None" in p.stderr
    assert not out.exists()
    p = lgen("eject", model, "-o", out, "--val-check-interval", "5", "--check-val-every-n-epoch", "none")
    assert p.returncode == 0 and out.exists(), p.stderr


def test_check_without_output(tmp_path):
    model = write(tmp_path, BASE)
    p = lgen("eject", model, "--check")
    assert_clean(p, 2)


# ---------------------------------------------------------------------------------------------
# diagnostics for model constructs (exit 1, nothing written)


def _replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new)


DIAGNOSTIC_CASES = {
    "several_optimizers": (
        "LGEN202",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        a = torch.optim.SGD(self.parameters(), lr=0.1)\n"
            "        b = torch.optim.Adam(self.parameters(), lr=0.1)\n"
            "        return [a, b]\n",
        ),
    ),
    "optimizer_scheduler_tuple": (
        "LGEN208",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        opt = torch.optim.SGD(self.parameters(), lr=0.1)\n"
            "        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)\n"
            "        return opt, sched\n",
        ),
    ),
    "two_of_unknown_kind_automatic": (
        "LGEN202",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        return self.build_optimizer(), self.build_scheduler()\n",
        ),
    ),
    "optimizer_step_drops_closure": (
        "LGEN308",
        BASE + "\n    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):\n        optimizer.step()\n",
    ),
    "optimizer_step_toggle_model": (
        "LGEN301",
        BASE
        + "\n    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):\n"
        + "        with optimizer.toggle_model():\n"
        + "            optimizer.step(closure=optimizer_closure)\n",
    ),
    "training_step_tuple": ("LGEN106", _replace("        return loss\n", "        return loss, x\n")),
    "plateau_without_monitor": (
        "LGEN205",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        opt = torch.optim.SGD(self.parameters(), lr=0.1)\n"
            "        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)\n"
            "        return [opt], [sched]\n",
        ),
    ),
    "scheduler_interval_not_literal": (  # a non-literal monitor or class is decided at run time; this is not
        "LGEN203",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        opt = torch.optim.SGD(self.parameters(), lr=0.1)\n"
            "        sched = torch.optim.lr_scheduler.StepLR(opt, 1)\n"
            '        return [opt], [{"scheduler": sched, "interval": self.interval}]\n',
        ),
    ),
    "trainer_as_value": (
        "LGEN306",
        _replace('        self.log("train_loss", loss)\n', "        t = self.trainer\n"),
    ),
    "unsupported_trainer_attr": (
        "LGEN301",
        _replace('        self.log("train_loss", loss)\n', "        cbs = self.trainer.callbacks\n"),
    ),
    "log_nonliteral_on_step": (
        "LGEN303",
        _replace('        self.log("train_loss", loss)\n', '        self.log("train_loss", loss, on_step=batch_idx > 2)\n'),
    ),
    "log_in_configure_optimizers": (
        "LGEN304",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            '        self.log("lr", 0.1)\n        return torch.optim.SGD(self.parameters(), lr=0.1)\n',
        ),
    ),
    "manual_optimizer_stored_on_self": (
        "LGEN307",
        _replace(
            "        self.layer = nn.Linear(4, 1)\n",
            "        self.layer = nn.Linear(4, 1)\n        self.automatic_optimization = False\n",
        ).replace("        x, y = batch\n", "        self.opt = self.optimizers()\n        x, y = batch\n"),
    ),
    "manual_optimizer_passed_out": (
        "LGEN307",
        _replace(
            "        self.layer = nn.Linear(4, 1)\n",
            "        self.layer = nn.Linear(4, 1)\n        self.automatic_optimization = False\n",
        ).replace("        x, y = batch\n", "        step_all(self.optimizers())\n        x, y = batch\n"),
    ),
    "manual_optimizer_two_paths": (
        "LGEN307",
        _replace(
            "        self.layer = nn.Linear(4, 1)\n",
            "        self.layer = nn.Linear(4, 1)\n        self.automatic_optimization = False\n",
        ).replace(
            "        x, y = batch\n",
            "        opt = self.optimizers()\n        if batch_idx:\n            opt = opt.optimizer\n        x, y = batch\n",
        ),
    ),
    "manual_backward_in_automatic": (
        "LGEN301",
        _replace("        return loss\n", "        self.manual_backward(loss)\n        return loss\n"),
    ),
    "no_training_step": (
        "LGEN104",
        _replace("    def training_step(self, batch, batch_idx):", "    def not_training_step(self, batch, batch_idx):"),
    ),
    "no_configure_optimizers": (
        "LGEN207",
        _replace("    def configure_optimizers(self):", "    def make_optimizer(self):"),
    ),
    "trainer_in_init": (
        "LGEN301",
        _replace("        self.layer = nn.Linear(4, 1)\n", "        self.layer = nn.Linear(4, self.current_epoch + 1)\n"),
    ),
    "super_lightning_hook": (
        "LGEN301",
        BASE + "\n    def on_before_batch_transfer(self, batch, i):\n        return super().on_before_batch_transfer(batch, i)\n",
    ),
    "lightning_import_in_method": (
        "LGEN301",
        _replace("        x, y = batch\n", "        from lightning.pytorch import Trainer\n        x, y = batch\n"),
    ),
    "hparams_ignore_not_names": (
        "LGEN301",
        _replace("        super().__init__()\n", "        super().__init__()\n        self.save_hyperparameters(ignore=5)\n"),
    ),
    "configure_callbacks": (
        "LGEN305",
        BASE + "\n    def configure_callbacks(self):\n        return []\n",
    ),
    "mixin_unreadable": (  # a mixin lgen cannot read may define hooks Lightning would call
        "LGEN105",
        _replace("class Model(L.LightningModule):", "from thirdparty.mixins import Hooks\n\n\nclass Model(Hooks, L.LightningModule):"),
    ),
    "mixin_inconsistent_mro": (  # bases Python cannot order (it raises a TypeError)
        "LGEN105",
        _replace("class Model(L.LightningModule):", "class A:\n    pass\n\n\nclass B(A):\n    pass\n\n\nclass Model(A, B, L.LightningModule):"),
    ),
    "base_in_another_file": (
        "LGEN111",
        _replace("class Model(L.LightningModule):", "from tasks.base import BaseTask\n\n\nclass Model(BaseTask):"),
    ),
    "class_in_a_function": (
        "LGEN111",
        "import lightning as L\n\n\ndef build():\n    class Model(L.LightningModule):\n        pass\n\n    return Model()\n",
    ),
    # self.log arguments with an effect lgen does not reproduce, and Lightning's level checks
    "log_metric_attribute": (
        "LGEN309",
        _replace('        self.log("train_loss", loss)\n', '        self.log("train_loss", loss, metric_attribute="acc")\n'),
    ),
    "log_on_step_in_epoch_hook": (
        "LGEN304",
        BASE + '\n    def on_train_epoch_end(self):\n        self.log("done", 1.0, on_step=True)\n',
    ),
    "log_on_epoch_false_in_helper_of_epoch_hook": (
        "LGEN304",
        BASE
        + "\n    def on_validation_epoch_end(self):\n        self._mark()\n"
        + '\n    def _mark(self):\n        self.log("done", 1.0, on_epoch=False)\n',
    ),
    "log_helper_reached_from_forbidden_hook": (
        "LGEN304",
        _replace(
            "        return torch.optim.SGD(self.parameters(), lr=0.1)\n",
            "        self._note(0.1)\n        return torch.optim.SGD(self.parameters(), lr=0.1)\n"
            '\n    def _note(self, v):\n        self.log("lr", v)\n',
        ).replace('        self.log("train_loss", loss)\n', "        self._note(loss)\n"),
    ),
    "log_helper_no_hook": (
        "LGEN302",
        BASE + '\n    def record(self, v):\n        self.log("x_sum", v)\n\n    def forward(self, x):\n        self.record(x.sum())\n        return x\n',
    ),
}


@pytest.mark.parametrize("case", sorted(DIAGNOSTIC_CASES))
def test_model_diagnostic(tmp_path, case):
    code, source = DIAGNOSTIC_CASES[case]
    write(tmp_path, source)
    out = tmp_path / "train.py"
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert not out.exists(), "an error must write nothing"
    assert p.stdout == ""
    err = p.stderr
    assert code in err, err
    assert "nothing written" in err
    head = next(line for line in err.splitlines() if code in line)
    path, line, col = head.split(":")[:3]
    assert path == "model.py" and int(line) >= 1 and int(col) >= 1, head
    assert " |" in err and "^" in err, f"no code frame:\n{err}"
    assert "help:" in err, err
    # the caret line points into the source line shown above it
    lines = err.splitlines()
    caret = next(i for i, l in enumerate(lines) if l.strip().startswith("|") and "^" in l)
    assert f"{line} |" in lines[caret - 1]


def test_model_diagnostic_keeps_existing_output(tmp_path):
    code, source = DIAGNOSTIC_CASES["several_optimizers"]
    write(tmp_path, source)
    out = tmp_path / "train.py"
    out.write_text("# not lgen's\n")
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert out.read_text() == "# not lgen's\n"


# ---------------------------------------------------------------------------------------------
# explain


def test_explain_known():
    p = lgen("explain", "LGEN202")
    assert p.returncode == 0, p.stderr
    assert "LGEN202" in p.stdout and "manual optimization" in p.stdout


def test_explain_lowercase():
    p = lgen("explain", "lgen202")
    assert p.returncode == 0, p.stderr
    assert "LGEN202" in p.stdout


def test_explain_unknown():
    p = lgen("explain", "NOPE")
    assert_clean(p, 2)
    assert "NOPE" in p.stderr


def test_unknown_command_and_option(tmp_path):
    assert_clean(lgen("frobnicate"), 2)
    model = write(tmp_path, BASE)
    assert_clean(lgen("eject", model, "--no-such-flag"), 2)


# ---------------------------------------------------------------------------------------------
# internal errors (exit 123)

CRASH = textwrap.dedent(
    """
    import sys
    import lgen.pipeline, lgen.cli

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    lgen.pipeline.eject = boom
    sys.argv = ["lgen", "eject", {model!r}]
    lgen.cli.main()
    """
)


def _crash(tmp_path, env_traceback: bool):
    model = write(tmp_path, BASE)
    env = {k: v for k, v in os.environ.items() if k != "LGEN_TRACEBACK"}
    if env_traceback:
        env["LGEN_TRACEBACK"] = "1"
    return subprocess.run(
        [sys.executable, "-c", CRASH.format(model=str(model))], capture_output=True, text=True, env=env, timeout=120
    )


def test_internal_error_is_short(tmp_path):
    p = _crash(tmp_path, env_traceback=False)
    assert p.returncode == 123, p.stderr
    assert "Traceback" not in p.stderr
    assert "internal error" in p.stderr and "simulated failure" in p.stderr
    assert "LGEN_TRACEBACK" in p.stderr
    assert len(p.stderr.strip().splitlines()) <= 5


def test_internal_error_traceback_on_request(tmp_path):
    p = _crash(tmp_path, env_traceback=True)
    assert p.returncode != 0
    assert "Traceback" in p.stderr and "simulated failure" in p.stderr


# ---------------------------------------------------------------------------------------------
# lgen check


def test_check_recorded_command_no_longer_parses(tmp_path):
    write(tmp_path, BASE)
    assert lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path).returncode == 0
    script = tmp_path / "train.py"
    lines = script.read_text().splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + " --bogus 3\n"  # the header's recorded command
    script.write_text("".join(lines))
    p = lgen("check", "train.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert "no longer parses" in p.stderr and "--bogus" in p.stderr


def test_check_missing_path(tmp_path):
    p = lgen("check", tmp_path / "nope.py")
    assert_clean(p, 2)


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--accumulate-grad-batches", "2"], "Automatic gradient accumulation is not supported for manual optimization"),
        (["--gradient-clip-val", "0.5"], "Automatic gradient clipping is not supported for manual optimization"),
    ],
)
def test_manual_optimization_rejects_flags_lightning_rejects(tmp_path, flags, message):
    source = BASE.replace(
        "        self.layer = nn.Linear(4, 1)\n",
        "        self.layer = nn.Linear(4, 1)\n        self.automatic_optimization = False\n",
    )
    write(tmp_path, source)
    p = lgen("eject", "model.py", "-o", "train.py", *flags, cwd=tmp_path)
    assert_clean(p, 1)
    assert not (tmp_path / "train.py").exists()
    assert "LGEN403" in p.stderr and message in p.stderr, p.stderr
    assert "model.py:11:9:" in p.stderr, p.stderr  # at `self.automatic_optimization = False`


def test_class_whose_base_is_imported_is_located(tmp_path):
    write(tmp_path, "from .base import BaseTask\n\n\nclass Classifier(BaseTask):\n    pass\n")
    p = lgen("eject", "model.py", "--class", "Classifier", cwd=tmp_path)
    assert_clean(p, 1)
    head = p.stderr.splitlines()[0]
    assert head.startswith("model.py:4:18: LGEN111 error:"), p.stderr
    assert "`BaseTask`, imported from `.base`" in head, head


def test_diagnostic_paths_are_relative_to_the_working_directory(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "out").mkdir()
    code, source = DIAGNOSTIC_CASES["several_optimizers"]
    (tmp_path / "src" / "model.py").write_text(source)
    p = lgen("eject", "src/model.py", "-o", "out/train.py", cwd=tmp_path)
    assert_clean(p, 1)
    assert p.stderr.startswith("src/model.py:"), p.stderr


def test_log_sync_dist_group_under_ddp(tmp_path):
    """Under ddp, `sync_dist=True` with a `sync_dist_group` reduces over that group: not reproduced."""
    write(tmp_path, _replace('        self.log("train_loss", loss)\n', '        self.log("train_loss", loss, sync_dist=True, sync_dist_group=self.group)\n'))
    p = lgen("eject", "model.py", "-o", "train.py", "--strategy", "ddp", "--devices", "2", cwd=tmp_path)
    assert_clean(p, 1)
    assert "LGEN309" in p.stderr and "sync_dist_group" in p.stderr
    assert not (tmp_path / "train.py").exists()


def test_log_arguments_without_effect_are_dropped(tmp_path):
    """One device, no logger: logger/enable_graph/sync_dist/sync_dist_group/rank_zero_only/
    metric_attribute=None change nothing, so the loop's call leaves them out (Loop.log has no **_)."""
    call = (
        '        self.log("train_loss", loss, True, False, logger=True, enable_graph=True, sync_dist=True,'
        " sync_dist_group=None, rank_zero_only=True, metric_attribute=None, add_dataloader_idx=False)\n"
    )
    write(tmp_path, _replace('        self.log("train_loss", loss)\n', call))
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    text = (tmp_path / "train.py").read_text()
    line = text[text.index("self.loop.log(") : text.index("# lgen: was self.log(...)")]
    for gone in ("logger", "enable_graph", "sync_dist", "rank_zero_only", "metric_attribute"):
        assert gone not in line, line
    for kept in ("prog_bar=True", "add_dataloader_idx=False", "on_step=True", "on_epoch=False"):
        assert kept in line, line
    assert "**_" not in text


@pytest.mark.parametrize(
    "spec, needle",
    [
        ("data/regression.py:Nope", "data/regression.py defines no class `Nope` at its top level"),
        ("data/synth.py:waves", "data/synth.py defines no class `waves`"),
        ("nofile.py:Waves", "no file nofile.py"),
        ("model.py:Regressor", "`Regressor` is not a LightningDataModule subclass"),
        ("data/regression.py:1x", "`1x` is not a class name"),
    ],
)
def test_datamodule_of_another_file_usage(tmp_path, spec, needle):
    """`--datamodule FILE.py:NAME` names a class FILE defines, or it is a usage error that says
    which part is wrong; nothing is written."""
    import shutil

    shutil.copytree(REPO / "golden" / "datamodule_flag_file" / "project", tmp_path, dirs_exist_ok=True)
    p = lgen("eject", "model.py", "-o", "out.py", "--datamodule", spec, cwd=tmp_path)
    assert_clean(p, 2)
    assert needle in p.stderr, p.stderr
    assert not (tmp_path / "out.py").exists()


def test_datamodule_of_another_file_outside_the_project(tmp_path):
    """A FILE the model file could not import (outside its folder and the project root)."""
    import shutil

    shutil.copytree(REPO / "golden" / "datamodule_flag_file" / "project", tmp_path / "proj")
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(tmp_path / "proj" / "data" / "regression.py", tmp_path / "elsewhere" / "dm.py")
    p = lgen("eject", "proj/model.py", "-o", "proj/out.py", "--datamodule", "elsewhere/dm.py:Waves", cwd=tmp_path)
    assert_clean(p, 2)
    assert "proj/model.py cannot import elsewhere/dm.py" in p.stderr and "give --root" in p.stderr, p.stderr


def test_datamodule_of_another_file_bound_by_the_entry(tmp_path):
    """The model file binding NAME otherwise than by importing it from FILE is ambiguous; importing
    it from FILE is the same datamodule (read once)."""
    import shutil

    shutil.copytree(REPO / "golden" / "datamodule_flag_file" / "project", tmp_path, dirs_exist_ok=True)
    model = (tmp_path / "model.py").read_text()
    (tmp_path / "model.py").write_text(model + "\n\nclass Waves:\n    pass\n")
    p = lgen("eject", "model.py", "-o", "out.py", "--datamodule", "data/regression.py:Waves", cwd=tmp_path)
    assert_clean(p, 2)
    assert "model.py:27 binds `Waves` itself" in p.stderr, p.stderr
    (tmp_path / "model.py").write_text(model.replace("import torch\n", "import torch\n\nfrom data.regression import Waves\n", 1))
    p = lgen("eject", "model.py", "-o", "out.py", "--datamodule", "data/regression.py:Waves", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    script = (tmp_path / "out.py").read_text()
    assert script.count("class Waves:") == 1 and "from data.regression import" not in script.replace("# lgen: was from data.regression import Waves", "")
