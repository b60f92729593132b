"""Manual optimization: what lgen follows, what each call becomes, and where it stops.

Each VALID case is a `training_step` body and the lines the ejected class must contain; each
INVALID case is a body and the diagnostic it must produce. (The equivalence runs against
Lightning are in test_equivalence.py and the golden manual_* cases.)
"""

from __future__ import annotations

import textwrap

import pytest

from lgen.options import Flags
from lgen.pipeline import eject

TEMPLATE = '''\
import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = nn.Linear(2, 1)
        self.automatic_optimization = False

    def helper(self, opt, loss):
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()

{body}
    def configure_optimizers(self):
        return torch.optim.SGD(self.a.parameters(), lr=0.1), torch.optim.SGD(self.b.parameters(), lr=0.1)

    def train_dataloader(self):
        return DataLoader(torch.randn(4, 2))
'''


def run(tmp_path, body, **flags):
    src = tmp_path / "model.py"
    src.write_text(TEMPLATE.format(body=textwrap.indent(textwrap.dedent(body), "    ")))
    return eject(str(src), Flags(**flags), None, display_path="model.py", command=[], script_name="train.py")


VALID = {
    "unpack": (
        """
        def training_step(self, batch, batch_idx):
            g, d = self.optimizers()
            loss = self.b(self.a(batch)).sum()
            self.manual_backward(loss)
            g.step()
        """,
        ["g, d = self.loop.optimizers  # lgen: was self.optimizers()",
         "loss.backward()  # lgen: was self.manual_backward(loss)",
         "self.loop.optimizer_step(g)  # lgen: was g.step()"],
    ),
    "subscript_and_direct": (
        """
        def training_step(self, batch, batch_idx):
            opts = self.optimizers()
            opts[1].step(closure=None)
            self.optimizers()[0].step()
        """,
        ["self.loop.optimizer_step(opts[1], closure=None)  # lgen: was opts[1].step(...)",
         "self.loop.optimizer_step(self.loop.optimizers[0])  # lgen: was self.optimizers()[0].step()"],
    ),
    "loops": (
        """
        def training_step(self, batch, batch_idx):
            for opt in self.optimizers():
                opt.step()
            for i, opt in enumerate(self.optimizers()):
                opt.step()
        """,
        ["for opt in self.loop.optimizers:  # lgen: was self.optimizers()",
         "self.loop.optimizer_step(opt)  # lgen: was opt.step()"],
    ),
    "raw_is_not_counted": (
        """
        def training_step(self, batch, batch_idx):
            g, d = self.optimizers()
            g = g.optimizer
            g.step()
            self.optimizers(use_pl_optimizer=False)[1].step()
            self.trainer.optimizers[0].step()
        """,
        ["g = g  # lgen: was g.optimizer",
         "        g.step()\n",
         "self.loop.optimizers[1].step()  # lgen: was self.optimizers(use_pl_optimizer=False)",
         "self.loop.optimizers[0].step()  # lgen: was self.trainer.optimizers"],
    ),
    "helper_parameter": (
        """
        def training_step(self, batch, batch_idx):
            g, d = self.optimizers()
            self.helper(d, self.b(self.a(batch)).sum())
        """,
        ["self.loop.optimizer_step(opt)  # lgen: was opt.step()"],
    ),
    "closure": (
        """
        def training_step(self, batch, batch_idx):
            g, d = self.optimizers()

            def closure():
                loss = self.b(self.a(batch)).sum()
                g.zero_grad()
                self.manual_backward(loss * 2)
                return loss

            return g.step(closure=closure)
        """,
        ["(loss * 2).backward()  # lgen: was self.manual_backward(loss * 2)",
         "return self.loop.optimizer_step(g, closure=closure)  # lgen: was g.step(...)"],
    ),
    "toggling": (
        """
        def training_step(self, batch, batch_idx):
            g, d = self.optimizers()
            self.toggle_optimizer(g)
            self.untoggle_optimizer(g)
            with self.toggled_optimizer(d):
                pass
            with d.toggle_model(sync_grad=False):
                pass
        """,
        ["self.loop.toggle_optimizer(g)  # lgen: was self.toggle_optimizer(...)",
         "self.loop.untoggle_optimizer(g)  # lgen: was self.untoggle_optimizer(...)",
         "with self.loop.toggled_optimizer(d):  # lgen: was self.toggled_optimizer(...)",
         "with self.loop.toggle_model(d):  # lgen: was d.toggle_model(...)",
         "def toggle_optimizer(self, optimizer):", "def untoggle_optimizer(self, optimizer):",
         "import contextlib"],
    ),
    "step_outside_training_step_is_raw": (
        """
        def training_step(self, batch, batch_idx):
            pass

        def on_train_epoch_end(self):
            g, d = self.optimizers()
            g.step()  # Lightning counts steps only while training_step runs
        """,
        ["        g.step()  # Lightning counts steps only while training_step runs\n"],
    ),
}


@pytest.mark.parametrize("case", sorted(VALID))
def test_valid(tmp_path, case):
    body, expected = VALID[case]
    result = run(tmp_path, body)
    assert result.text is not None, "\n".join(d.message for d in result.diagnostics)
    for line in expected:
        assert line in result.text, f"{line!r} not in:\n{result.text}"


def test_nothing_manual_when_unused(tmp_path):
    result = run(tmp_path, "def training_step(self, batch, batch_idx):\n    pass\n")
    for absent in ("optimizer_step", "toggle", "manual_backward", "contextlib"):
        assert absent not in result.text.split("class Loop")[1], absent


INVALID = {
    "stored": ("self.opt = self.optimizers()", "is stored in `self.opt`"),
    "returned_from_helper": ("return self.optimizers()", "escapes here"),
    "passed_out": ("print_and_step(self.optimizers())", "passed to `print_and_step`"),
    "step_taken": ("s = self.optimizers()[0].step", "used without being called"),
    "two_paths": ("o = self.optimizers()[0]\nif batch_idx:\n    o = o.optimizer\no.step()", "on one path and something else"),
    "bad_unpack": ("a, b, c = self.optimizers()", "3 names unpack"),
    "starred": ("a, *rest = self.optimizers()", "starred target"),
    "nonliteral_flag": ("self.optimizers(use_pl_optimizer=batch_idx > 0)", "not a literal"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid(tmp_path, case):
    stmt, needle = INVALID[case]
    body = "def training_step(self, batch, batch_idx):\n" + textwrap.indent(stmt, "    ") + "\n"
    result = run(tmp_path, body)
    assert result.text is None
    messages = [f"{d.code} {d.message}" for d in result.diagnostics]
    assert any("LGEN307" in m and needle in m for m in messages), messages
    assert all(d.line > 0 and d.column > 0 for d in result.diagnostics)


def test_step_reached_from_two_hooks_is_ambiguous(tmp_path):
    body = """
    def training_step(self, batch, batch_idx):
        g, d = self.optimizers()
        self.helper(g, batch.sum())

    def on_train_epoch_end(self):
        g, d = self.optimizers()
        self.helper(g, torch.tensor(0.0))
    """
    result = run(tmp_path, body)
    assert result.text is None
    assert any("both inside and outside `training_step`" in d.message for d in result.diagnostics)


def test_helper_given_an_optimizer_and_something_else(tmp_path):
    body = """
    def training_step(self, batch, batch_idx):
        g, d = self.optimizers()
        self.helper(g, batch.sum())
        self.helper(torch.optim.SGD(self.parameters(), lr=1.0), batch.sum())
    """
    result = run(tmp_path, body)
    assert result.text is None
    assert any("at one call and something else at another" in d.message for d in result.diagnostics)


def test_step_under_automatic_optimization_is_rejected(tmp_path):
    src = TEMPLATE.replace("        self.automatic_optimization = False\n", "").replace(
        "return torch.optim.SGD(self.a.parameters(), lr=0.1), torch.optim.SGD(self.b.parameters(), lr=0.1)",
        "return torch.optim.SGD(self.parameters(), lr=0.1)",
    )
    (tmp_path / "model.py").write_text(
        src.format(body="    def training_step(self, batch, batch_idx):\n        self.optimizers().step()\n        return batch.sum()\n")
    )
    result = eject(str(tmp_path / "model.py"), Flags(), None, display_path="model.py", command=[], script_name="train.py")
    assert result.text is None
    assert any(d.code == "LGEN307" and "automatic optimization" in d.message for d in result.diagnostics)
