"""Fuzz `lgen eject` in process: any input ends in exit 0, 1 or 2, never in an exception or 123.

(a) valid LightningModule files, mutated (lines deleted, duplicated, swapped, re-indented,
identifiers and literals replaced, Lightning-flavoured statements inserted, text truncated);
(b) arbitrary text and Python-ish text. When lgen exits 0 its output must parse.

Runs are in process for speed. Most examples use lgen's own parse check in place of black;
every example whose model black cannot format on its own, and a share of the others, is re-run
with real black, and then the whole output must be what black makes of it (lgen formats only
the model part; tests/test_format.py).
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import black
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lgen.cli
import lgen.format
import lgen.pipeline
from lgen.lightning_api import LIGHTNING_MODULE_MEMBERS, LIGHTNING_ROOTS

REPO = Path(__file__).resolve().parents[1]
SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)

# ---------------------------------------------------------------------------------------------
# running lgen in process

_TMP = tempfile.mkdtemp(prefix="lgen-fuzz-")
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
_real_format = lgen.pipeline.format_script


def _fast_format(head: str, tail: str = "") -> str:
    """lgen.format.format_script without black: the same parse check, the same FormatError."""
    text = head + tail
    try:
        ast.parse(text)
    except SyntaxError as e:
        raise lgen.format.FormatError(f"generated code does not parse: {e.msg} at line {e.lineno}")
    return text


@contextlib.contextmanager
def _formatter(real: bool):
    saved = lgen.pipeline.format_script
    lgen.pipeline.format_script = _real_format if real else _fast_format
    try:
        yield
    finally:
        lgen.pipeline.format_script = saved


def run_lgen(source: str | bytes, *flags: str, real_black: bool = False):
    """Write `source` to a file, run `lgen eject` on it in process; (exit code, stdout, stderr)."""
    path = os.path.join(_TMP, f"model_{os.getpid()}.py")
    with open(path, "wb") as f:
        f.write(source.encode("utf-8", errors="surrogatepass") if isinstance(source, str) else source)
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["lgen", "eject", path, *flags]
    env_tb = os.environ.pop("LGEN_TRACEBACK", None)
    try:
        with _formatter(real_black), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                lgen.cli.main()
                code = 0
            except SystemExit as e:
                code = e.code
    finally:
        sys.argv = argv
        if env_tb is not None:
            os.environ["LGEN_TRACEBACK"] = env_tb
    return code, out.getvalue(), err.getvalue()


def check(source, *flags: str, real_black: bool = False) -> int:
    code, out, err = run_lgen(source, *flags, real_black=real_black)
    assert code in (0, 1, 2), f"exit {code!r}\n--- stderr\n{err}\n--- source\n{source}"
    assert "Traceback" not in err, err
    if code == 0:
        assert out, "exit 0 with no script"
        if real_black:
            # black only formats the model part; the whole script must still be what black makes
            assert black.format_str(out, mode=lgen.format.MODE) == out, "output is not black-stable"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(out, "train.py", "exec", dont_inherit=True)  # parses, and Python would accept it
        tree = ast.parse(out)
        for node in ast.walk(tree):
            # the script imports nothing from Lightning (contract §2)
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in LIGHTNING_ROOTS for a in node.names), ast.unparse(node)
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] not in LIGHTNING_ROOTS, ast.unparse(node)
            # the model is an nn.Module now: Lightning's hooks are gone
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "super"
            ):
                assert node.attr not in LIGHTNING_MODULE_MEMBERS, f"super().{node.attr} left in the script"
    elif code == 1:
        assert "LGEN" in err and "nothing written" in err, err
    else:
        assert err.startswith("error:") or "Error:" in err, err
    return code


def black_accepts(source: str) -> bool:
    try:
        black.format_str(source, mode=lgen.format.MODE)
        return True
    except Exception:
        return False


def check_mutant(source: str, *flags: str, real_black: bool = False) -> int:
    code = check(source, *flags, real_black=real_black)
    if code == 0 and not real_black and not black_accepts(source):
        # black cannot format the model on its own: the real pipeline must still end cleanly
        check(source, *flags, real_black=True)
    return code


# ---------------------------------------------------------------------------------------------
# seeds: valid LightningModule files

SMALL = '''\
import lightning as L
import torch
from torch import nn


class Small(L.LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=False)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def train_dataloader(self):
        data = torch.utils.data.TensorDataset(torch.randn(8, 4), torch.randn(8, 1))
        return torch.utils.data.DataLoader(data, batch_size=4)
'''

SCHED = '''\
from lightning.pytorch import LightningModule
import torch


class WithSched(LightningModule):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(3))

    def training_step(self, batch, batch_idx):
        loss = (self.w * batch[0]).sum() ** 2
        if self.trainer.global_step % 2 == 0:
            self.log("loss", loss)
        return {"loss": loss}

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", (self.w * batch[0]).sum(), prog_bar=True)

    def on_train_epoch_end(self):
        self.print(self.current_epoch, self.global_step)

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=1e-3)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "val_loss", "interval": "epoch"}}

    def train_dataloader(self):
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(6, 3)), batch_size=2)

    def val_dataloader(self):
        return self.train_dataloader()
'''

HOOKS = '''\
"""A model with more hooks."""
from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch import nn

WIDTH = 8


class Hooks(pl.LightningModule):
    automatic_optimization = True

    def __init__(self, width: int = WIDTH):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1))

    def forward(self, x):
        return self.net(x)

    def on_train_batch_start(self, batch, batch_idx):
        if batch_idx > 100:
            return -1

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.l1_loss(self(x), y)
        self.log_dict({"a": loss, "b": loss * 2}, on_step=False, on_epoch=True, reduce_fx="max")
        return loss

    def on_before_optimizer_step(self, optimizer):
        self.clip_gradients(optimizer, gradient_clip_val=1.0, gradient_clip_algorithm="norm")

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)
        step = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
        return [opt], [{"scheduler": step, "interval": "step", "frequency": 2}]

    def train_dataloader(self):
        x = torch.randn(16, WIDTH)
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=4)


if __name__ == "__main__":
    pl.Trainer(max_epochs=1).fit(Hooks())
'''

SEEDS = [SMALL, SCHED, HOOKS, (REPO / "examples" / "mlp.py").read_text(encoding="utf-8")]


def test_seeds_eject():
    for seed in SEEDS:
        assert check(seed, real_black=True) == 0


# ---------------------------------------------------------------------------------------------
# (a) mutations

IDENTIFIERS = [
    "self", "x", "loss", "batch", "trainer", "log", "log_dict", "training_step", "validation_step",
    "configure_optimizers", "train_dataloader", "automatic_optimization", "LightningModule", "L", "pl",
    "torch", "nn", "None", "True", "False", "lambda", "return", "yield", "global", "async", "await",
    "super", "optimizers", "lr_schedulers", "current_epoch", "global_step", "hparams", "device", "logger",
    "manual_backward", "on_train_start", "print", "__init__", "__name__", "match", "case", "type", "_",
]
LITERALS = [
    "0", "1", "-1", "2", "1.5", "1e-3", "0x10", "'step'", "'epoch'", "'loss'", '"val_loss"', "''", "None",
    "True", "False", "[]", "{}", "()", "...", "f'{x}'", "b'x'", "'mean'", "'median'", "(1, 2)", "[1, 2]",
    "{'loss': 1}", "{'optimizer': 1}", "1j", "'\\n'", "\"\"\"doc\"\"\"",
    "-'x'", "-None", "-True", "+1", "-1.5", "not True", "-(1)", "--1", "-b'x'", "1_000", "0o7",
]
STATEMENTS = [
    "pass", "return", "return None", "return loss, x", "return [loss]", "return {'loss': loss}", "return {'x': 1}",
    "return {**d}", "return [*opts]", "return 'loss'", "return 1", "yield loss",
    "self.log('a', 1, on_step=x)", "self.log('a', 1, reduce_fx=foo)", "self.log('a', 1, reduce_fx='median')",
    "self.log(*args)", "self.log(**kw)", "self.log('a', 1, on_step=True, on_epoch=True)", "self.log_dict(d)",
    "self.log('a', 1, sync_dist=flag)", "self.log('a', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)",
    "self.automatic_optimization = False", "self.automatic_optimization = flag", "automatic_optimization = 0",
    "t = self.trainer", "f(self.trainer)", "self.trainer.callbacks", "self.trainer.global_step += 1",
    "self.trainer = None", "self.current_epoch = 3", "self.device = 'cpu'", "n = self.trainer.max_epochs",
    "self.trainer.strategy.barrier()", "self.trainer.optimizers[0].step()", "self.logger.log_metrics({})",
    "opt = self.optimizers()", "opt.step()", "self.manual_backward(loss)", "sch = self.lr_schedulers()",
    "self.clip_gradients(opt, 1.0)", "self.clip_gradients(opt, gradient_clip_val=v)",
    "self.save_hyperparameters()", "self.save_hyperparameters('lr')", "self.save_hyperparameters(ignore=['x'])",
    "self.save_hyperparameters(logger=False)", "self.save_hyperparameters(frame=1)", "self.save_hyperparameters(*a)",
    "self.hparams.lr = 2", "print(self.hparams)", "self.print(1, 2)", "print(self.device, self.global_step)",
    "super().on_train_start()", "super().training_step(batch, batch_idx)", "super().__init__()",
    "self.on_train_start()", "self.training_step(batch, 0)", "self.freeze()", "self.all_gather(x)",
    "self.to_onnx('x.onnx')", "self.example_input_array = torch.randn(1)", "self.strict_loading = False",
    "a = torch.optim.SGD(self.parameters(), lr=0.1)", "return a",
    "return [a, a]", "return [a], [torch.optim.lr_scheduler.StepLR(a, 1)]",
    "return {'optimizer': a, 'lr_scheduler': {'scheduler': s, 'interval': iv}}",
    "return {'optimizer': a, 'lr_scheduler': {'scheduler': s, 'interval': 'week'}}",
    "return {'optimizer': a, 'lr_scheduler': {'scheduler': s, 'frequency': 0}}",
    "return {'optimizer': a, 'lr_scheduler': torch.optim.lr_scheduler.ReduceLROnPlateau(a)}",
    "return {'optimizer': a, 'lr_scheduler': torch.optim.lr_scheduler.ReduceLROnPlateau(a), 'monitor': m}",
    "return [{'optimizer': a}, {'optimizer': a}]", "return [[a]]", "return ([a], [])", "return []",
    "return [x for x in opts]", "return dict(optimizer=a)", "return (a, a)", "return a if x else None",
    "def training_step(self, batch, batch_idx): return 1",
    "def training_step(self, batch, batch_idx, optimizer_idx): return 1",
    "def training_step(self, dataloader_iter): return 1",
    "def training_step(*args): return 1", "def training_step(): pass",
    "def validation_epoch_end(self, outs): pass", "def configure_callbacks(self): return []",
    "def on_before_batch_transfer(self, batch, i): return super().on_before_batch_transfer(batch, i)",
    "def on_train_start(self): super().on_train_start()",
    "def helper(self): self.log('h', 1)", "def on_fit_start(self): self.log('x', 1)",
    "@property", "@staticmethod", "@classmethod", "@torch.no_grad()",
    "async def f(self): await x", "lambda: self.log('x', 1)",
    "class Inner(L.LightningModule): pass", "class Sub(Small): pass", "class Sub(WithSched): pass",
    "class Sub(Hooks): pass", "class Sub(LitRegressor): pass",
    "import lightning.pytorch as pl", "from lightning.pytorch import LightningModule as LM",
    "from lightning import *", "import pytorch_lightning", "from . import x", "from .. import lightning",
    "import torch.nn as nn, lightning as L", "x = L.seed_everything(0)", "cb = L.Callback()",
    "def f(self) -> L.LightningModule: return self", "x: L.Trainer = None",
    "if __name__ == '__main__': pass", "with torch.no_grad(): pass", "for self.x in range(3): pass",
    "global x", "nonlocal x", "del self.layer", "raise ValueError('x')", "assert self.training",
    "self.x, self.y = 1, 2", "(self.a, [self.b, self.c]) = 1, [2, 3]", "x = self.global_step if self else 1",
    "try:\n    pass\nexcept Exception:\n    raise",
    "if x:\n    return loss\nelse:\n    return None",
    "match x:\n    case 1:\n        pass",
    "x = (yield)", "print(*self.optimizers())", "self.log(name='a', value=1)", "self.log('a', value=1, name='b')",
    "type X = int", "def g[T](self, x: T) -> T: return x", "x = f'{self.current_epoch=}'",
    "x = 1 if True else 2; y = 3", "\\", "\t", "# comment", "'''unterminated", "x = (", ")",
    "self.save_hyperparameters(ignore=None)", "self.save_hyperparameters(5)", "self.save_hyperparameters(ignore=5)",
    "self.save_hyperparameters(None)", "self.save_hyperparameters(['lr'], ignore=('x',))",
    "self.log('a', loss, True, True, False, True)", "self.log_dict({'a': 1}, True, True, True, False, 'sum')",
    "self.log('a', 1, on_step=-'x')", "self.log_dict(d, metric_attribute='x')", "self.log('a', 1, reduce_fx=-1)",
    "return {'optimizer': a, 'lr_scheduler': {'scheduler': s, 'frequency': -None}}",
    "super().on_train_epoch_end()", "return super().on_before_batch_transfer(batch, 0)",
    "super().optimizer_step(*args)", "x = super().log", "super().to('cpu')", "return super().configure_optimizers()",
]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@st.composite
def mutants(draw):
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3]))):
        if not lines:
            lines = ["pass"]
        n = len(lines)
        i = draw(st.integers(0, n - 1))
        kind = draw(
            st.sampled_from(
                ["insert"] * 3 + ["into_method"] * 5 + ["ident"] * 2 + ["literal"] * 2 + ["delete"] * 2
                + ["duplicate", "swap", "indent", "truncate", "splice"]
            )
        )
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, n - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "ident":
            words = sorted(set(re.findall(r"[A-Za-z_]\w*", "\n".join(lines))))
            if words:
                old = draw(st.sampled_from(words))
                new = draw(st.sampled_from(IDENTIFIERS))
                everywhere = draw(st.booleans())
                pattern = re.compile(rf"\b{re.escape(old)}\b")
                if everywhere:
                    lines = [pattern.sub(new, l) for l in lines]
                else:
                    lines[i] = pattern.sub(new, lines[i])
        elif kind == "literal":
            pattern = re.compile(r"""(?<![\w.])(?:\d+(?:\.\d*)?(?:e-?\d+)?|"[^"\n]*"|'[^'\n]*'|True|False|None)""")
            hits = [(k, m) for k, l in enumerate(lines) for m in pattern.finditer(l)]
            if hits:
                k, m = draw(st.sampled_from(hits))
                lines[k] = lines[k][: m.start()] + draw(st.sampled_from(LITERALS)) + lines[k][m.end() :]
        elif kind == "insert":
            stmt = draw(st.sampled_from(STATEMENTS))
            here = _indent(lines[i]) if lines[i].strip() else _indent(lines[i - 1]) if i else ""
            indent = draw(st.sampled_from([here, here, here, "", "    ", "        "]))
            lines[i:i] = [indent + s for s in stmt.split("\n")]
        elif kind == "into_method":
            # a statement at the top or the end of a method body, correctly indented
            defs = [k for k, l in enumerate(lines) if re.match(r"\s*def \w+\(.*:\s*$", l) and k + 1 < len(lines)]
            if defs:
                k = draw(st.sampled_from(defs))
                body = _indent(lines[k]) + "    "
                end = k + 1
                while end < len(lines) and (not lines[end].strip() or lines[end].startswith(body)):
                    end += 1
                while end > k + 1 and not lines[end - 1].strip():
                    end -= 1
                at = draw(st.sampled_from([k + 1, end]))
                stmt = draw(st.sampled_from(STATEMENTS))
                lines[at:at] = [body + s for s in stmt.split("\n")]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", "    ", "        ", "            ", " "])) + lines[i].lstrip()
        elif kind == "truncate":
            text = "\n".join(lines)
            cut = draw(st.integers(0, len(text)))
            lines = text[:cut].split("\n")
        elif kind == "splice":
            other = draw(st.sampled_from(SEEDS)).splitlines()
            a = draw(st.integers(0, len(other) - 1))
            b = draw(st.integers(a, min(len(other), a + 12)))
            lines[i:i] = other[a:b]
    end = draw(st.sampled_from(["\n", "", "\r\n", "\n\n"]))
    sep = "\r\n" if end == "\r\n" else "\n"
    return sep.join(lines) + end


FLAGS = st.sampled_from(
    [
        (),
        (),
        ("--max-epochs", "2"),
        ("--max-steps", "5", "--accumulate-grad-batches", "2"),
        ("--gradient-clip-val", "0.5", "--gradient-clip-algorithm", "value"),
        ("--limit-train-batches", "2", "--limit-val-batches", "0"),
        ("--val-check-interval", "0.5", "--num-sanity-val-steps", "0"),
        ("--check-val-every-n-epoch", "none", "--val-check-interval", "3"),
        ("--precision", "bf16-mixed"),
        ("--class", "Small"),
        ("--class", "Nope"),
    ]
)


@settings(max_examples=270, **SETTINGS)
@given(source=mutants(), flags=FLAGS)
def test_mutated_models_a(source, flags):
    check_mutant(source, *flags)


@settings(max_examples=270, **SETTINGS)
@given(source=mutants(), flags=FLAGS)
@example(source=SMALL.replace("    def training_step", "    def on_train_start(self):\n        super().on_train_start()\n\n    def training_step"), flags=())
def test_mutated_models_b(source, flags):
    # a second stream of examples (a different test name gives derandomize a different seed)
    check_mutant(source, *flags)


# inputs that once crashed lgen (exit 123) or ejected code that could not run
_LOG = 'self.log("train_loss", loss, on_step=True, on_epoch=False)'
_OPT = "return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)"
_SCHED = "o = torch.optim.SGD(self.parameters())\n        return {{'optimizer': o, 'lr_scheduler': {}}}"
REGRESSIONS = {
    "negated_str_literal": (_LOG, 'self.log("train_loss", loss, on_step=-"x")'),
    "negated_none_dict_key": (_OPT, "return {-None: 1, 'optimizer': torch.optim.SGD(self.parameters())}"),
    "negated_none_frequency": (_OPT, _SCHED.format("{'scheduler': torch.optim.lr_scheduler.StepLR(o, 1), 'frequency': -None}")),
    "negated_str_monitor": (_OPT, _SCHED.format("torch.optim.lr_scheduler.ReduceLROnPlateau(o), 'monitor': -'x'")),
    "hparams_ignore_none": ("self.save_hyperparameters()", "self.save_hyperparameters(ignore=None)"),
    "hparams_ignore_int": ("self.save_hyperparameters()", "self.save_hyperparameters(ignore=5)"),
    "hparams_positional_int": ("self.save_hyperparameters()", "self.save_hyperparameters(5)"),
    "hparams_positional_none": ("self.save_hyperparameters()", "self.save_hyperparameters(None)"),
    "return_outside_function": ("class Small", "return 1\n\n\nclass Small"),
    "super_noop_hook": ("    def training_step", "    def on_train_start(self):\n        super().on_train_start()\n\n    def training_step"),
    "lightning_import_in_class": ("    def __init__", "    import lightning.pytorch as pl\n\n    def __init__"),
    "lightning_import_in_method": ("        super().__init__()", "        from lightning.pytorch import Trainer\n        super().__init__()"),
    "relative_import_named_lightning": ("        super().__init__()", "        from .. import lightning\n        super().__init__()"),
    "super_lightning_hook": ("    def training_step", "    def on_after_batch_transfer(self, b, i):\n        return super().on_after_batch_transfer(b, i)\n\n    def training_step"),
}


def test_regressions():
    for name, (old, new) in REGRESSIONS.items():
        assert old in SMALL, name
        check(SMALL.replace(old, new, 1), real_black=True)


def test_positional_log_flags_become_keywords():
    # Lightning takes `self.log(name, value, prog_bar, logger, on_step, on_epoch, reduce_fx, ...)`
    # positionally; the loop's `log` takes everything after `value` by keyword
    for call, n_positional in (
        ('self.log("train_loss", loss, True, True, False, True, "max")', 2),
        ('self.log_dict({"train_loss": loss}, True, True, False, True, "sum")', 1),
    ):
        code, out, err = run_lgen(SMALL.replace(_LOG, call), real_black=True)
        assert code == 0, err
        calls = [
            n for n in ast.walk(ast.parse(out))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("log", "log_dict")
            and ast.unparse(n.func.value) == "self.loop"
        ]
        assert len(calls) == 1
        c = calls[0]
        assert len(c.args) == n_positional, ast.unparse(c)
        kw = {k.arg: ast.literal_eval(k.value) for k in c.keywords}
        assert kw["on_step"] is False and kw["on_epoch"] is True and kw["prog_bar"] is True, kw


@settings(max_examples=25, **SETTINGS)
@given(source=mutants())
def test_mutated_models_real_black(source):
    check(source, real_black=True)


# ---------------------------------------------------------------------------------------------
# (b) arbitrary text


@settings(max_examples=300, **SETTINGS)
@given(text=st.text(max_size=400))
@example(text="")
@example(text="\x00")
@example(text="\ufeffimport lightning as L\n")
@example(text="b'x' 'y'\n")
@example(text="x = 1\nreturn x\n")
@example(text="def f(a, a): pass\n")
@example(text="\r")
@example(text="\x0c")
@example(text="class A(L.LightningModule):\n\x0c    pass\n")
@example(text="import lightning as L\nclass A(L.LightningModule):\n    def training_step(self, b, i): return 1\n")
def test_arbitrary_text(text):
    check(text)


@settings(max_examples=50, **SETTINGS)
@given(data=st.binary(max_size=200))
@example(data=b"\xff\xfe")
@example(data=b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
@example(data=b"\xef\xbb\xbfimport lightning as L\n")
def test_arbitrary_bytes(data):
    check(data)


PYTHONISH = (
    r"(import lightning as L\n|from lightning\.pytorch import LightningModule\n|import torch\n)?"
    r"(class [A-Z][a-z]{0,5}\((L\.LightningModule|LightningModule|object|[A-Z][a-z]{0,3})\):\n"
    r"(    [a-z_]{0,8} = [0-9a-z'\"\[\]{}(),.]{0,10}\n"
    r"|    def (training_step|configure_optimizers|train_dataloader|__init__|on_[a-z_]{1,12}|[a-z]{1,4})"
    r"\(self(, [a-z_]{1,6}){0,3}\):\n"
    r"(        (return|self\.log\(|self\.trainer\.|self\.|x = |yield |super\(\)\.)[ -~]{0,30}\n){0,3})"
    r"{0,5})"
    r"{0,3}"
)


@settings(max_examples=250, **SETTINGS)
@given(text=st.from_regex(PYTHONISH, fullmatch=True))
def test_pythonish_text(text):
    check(text)
