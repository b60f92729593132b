"""Which `optimizer_step` overrides get Lightning's LightningOptimizer wrapper in the script.

Lightning hands the override a LightningOptimizer and the bare closure. The script keeps the lean
form (the bare optimizer and a closure that already runs the pre-step hook and clipping) only
where the override cannot tell the difference; the wrapped runs are proven against Lightning by
the golden case `optimizer_step_wrapped` and the `wrapped_*` equivalence cases.
"""

import textwrap

import pytest

from lgen.inspect import inspect_model
from lgen.plan import optimizer_step_needs_wrapper

MODEL = """
import lightning as L
import torch


class M(L.LightningModule):
    def training_step(self, batch, batch_idx):
        return self(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return []

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
{body}
"""

LEAN = {
    "keyword": "optimizer.step(closure=optimizer_closure)",
    "positional": "optimizer.step(optimizer_closure)",
    "warmup": "optimizer.step(closure=optimizer_closure)\nfor pg in optimizer.param_groups:\n    pg['lr'] = 0.1",
    "zero_grad_and_state": "optimizer.step(closure=optimizer_closure)\noptimizer.zero_grad()\nlen(optimizer.state)",
    "attribute_named_optimizer_elsewhere": "optimizer.step(closure=optimizer_closure)\nself.optimizer = 1",
}
WRAPPED = {
    "docs_raw_optimizer": "optimizer = optimizer.optimizer\noptimizer.step(closure=optimizer_closure)",
    "raw_step_inline": "optimizer.optimizer.step(closure=optimizer_closure)",
    "closure_called_first": "optimizer_closure()\noptimizer.step()",
    "step_without_closure": "optimizer.step()",
    "step_with_kwargs": "optimizer.step(closure=optimizer_closure, foo=1)",
    "isinstance": "assert isinstance(optimizer, torch.optim.SGD)\noptimizer.step(closure=optimizer_closure)",
    "passed_on": "self.helper(optimizer, optimizer_closure)",
    "closure_wrapped": "optimizer.step(closure=lambda: optimizer_closure())",
    "toggle_model": "with optimizer.toggle_model():\n    optimizer.step(closure=optimizer_closure)",
}


def _needs(body: str) -> bool:
    src = MODEL.format(body=textwrap.indent(body, " " * 8))
    facts, diags, usage = inspect_model("m.py", src, None)
    assert facts is not None and not diags and usage is None
    return optimizer_step_needs_wrapper(facts)


@pytest.mark.parametrize("name", sorted(LEAN))
def test_lean_form_where_the_bare_optimizer_behaves_the_same(name):
    assert _needs(LEAN[name]) is False


@pytest.mark.parametrize("name", sorted(WRAPPED))
def test_wrapper_where_the_override_needs_lightnings(name):
    assert _needs(WRAPPED[name]) is True


@pytest.mark.slow
def test_a_scheduler_for_an_optimizer_fails_as_in_lightning(tmp_path):
    """What `configure_optimizers` returns comes from a helper: lgen cannot tell statically that it
    is a scheduler, so the script checks it when it starts and raises Lightning's message."""
    from equivalence.harness import RunError, run_ejected, run_lightning

    model, cls, flags = "helper_optimizer.py", "HelperSchedulerModel", {"max_epochs": 1}
    with pytest.raises(RunError) as theirs:
        run_lightning(model, cls, flags, 1234, tmp_path / "lightning")
    with pytest.raises(RunError) as ours:
        run_ejected(model, cls, flags, 1234, tmp_path / "ejected")
    marker = "MisconfigurationException: "
    lightning_message = theirs.value.stderr[theirs.value.stderr.rindex(marker) + len(marker) :].strip()
    assert lightning_message.startswith("Unknown configuration for model optimizers"), theirs.value.stderr
    assert f"RuntimeError: {lightning_message}" in ours.value.stderr, ours.value.stderr
    assert not (tmp_path / "ejected" / "out" / "last.ckpt").exists()
