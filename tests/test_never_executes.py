"""`MODEL.py` is read, never imported or executed; and lgen itself never imports torch or Lightning."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

HOSTILE = '''\
import lightning as L
import torch
from torch import nn

open({module_marker!r}, "w").write("module body ran")
__import__("os").environ["LGEN_HOSTILE"] = "1"


def side_effect(path):
    open(path, "w").write("called")
    return 4


class Model(L.LightningModule):
    open({class_marker!r}, "w").write("class body ran")
    width = side_effect({call_marker!r})

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.randn(8, 4), torch.randn(8, 1)), batch_size=4
        )


if __name__ == "__main__":
    open({module_marker!r}, "a").write("main ran")
'''


def _hostile(tmp_path: Path):
    markers = {k: tmp_path / f"{k}.marker" for k in ("module_marker", "class_marker", "call_marker")}
    model = tmp_path / "hostile.py"
    model.write_text(HOSTILE.format(**{k: str(v) for k, v in markers.items()}), encoding="utf-8")
    return model, markers


def test_hostile_model_is_never_executed_cli(tmp_path):
    model, markers = _hostile(tmp_path)
    out = tmp_path / "train.py"
    p = subprocess.run(
        [sys.executable, "-m", "lgen", "eject", str(model), "-o", str(out)], capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert out.exists()
    for name, marker in markers.items():
        assert not marker.exists(), f"{name}: the model file was executed"
    # the marker-writing statements are the user's module code and are carried over, not run
    assert "module body ran" in out.read_text()


def test_hostile_model_is_never_executed_in_process(tmp_path, monkeypatch):
    from lgen.options import Flags
    from lgen.pipeline import eject

    model, markers = _hostile(tmp_path)
    monkeypatch.chdir(tmp_path)
    r = eject(str(model), Flags(), None, display_path="hostile.py", command=[], script_name="train.py")
    assert r.text is not None, r.diagnostics or r.usage_error
    for name, marker in markers.items():
        assert not marker.exists(), f"{name}: the model file was executed"


def test_check_does_not_execute(tmp_path):
    model, markers = _hostile(tmp_path)
    out = tmp_path / "train.py"
    run = lambda *a: subprocess.run([sys.executable, "-m", "lgen", *a], capture_output=True, text=True, timeout=120)
    assert run("eject", str(model), "-o", str(out)).returncode == 0
    p = run("eject", str(model), "-o", str(out), "--check")
    assert p.returncode == 0, p.stderr
    p = run("check", str(out))
    assert p.returncode == 0, p.stderr
    for marker in markers.values():
        assert not marker.exists()


PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    import lgen.cli
    import lgen.pipeline
    after_import = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})

    from lgen.options import Flags
    r = lgen.pipeline.eject({model!r}, Flags(), None, display_path="mlp.py", command=[], script_name="train.py")
    assert r.text is not None, (r.diagnostics, r.usage_error)

    sys.argv = ["lgen", "eject", {model!r}, "-o", {out!r}]
    try:
        lgen.cli.main()
    except SystemExit as e:
        code = e.code
    assert code == 0, code
    assert Path({out!r}).exists()
    after_eject = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
    print(json.dumps({{"after_import": after_import, "after_eject": after_eject}}))
    """
)

HEAVY = ["torch", "lightning", "pytorch_lightning", "lightning_fabric", "lightning_utilities"]


def test_lgen_never_imports_torch_or_lightning(tmp_path):
    out = tmp_path / "train.py"
    code = PROBE.format(heavy=HEAVY, model=str(REPO / "examples" / "mlp.py"), out=str(out))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen["after_import"] == [], seen
    assert seen["after_eject"] == [], seen
