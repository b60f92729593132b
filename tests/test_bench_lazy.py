"""Commands that do not eject import none of the heavy libraries (bench/eject_latency.py times them).

`lgen --help`, `--version`, `explain` and flag usage errors answer before any model is read, so
they must not pay for libcst, black or Jinja, and nothing in lgen ever imports torch. (typer
itself may load pydantic to validate option values; that is typer's cost, not lgen's.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("libcst", "black", "jinja2", "torch", "lightning")

PROBE = """
import json, sys
sys.argv = ["lgen", *json.loads(sys.argv[1])]
try:
    from lgen.cli import main
    main()
except SystemExit as e:
    code = e.code
sys.stderr.write("\\nLGEN-MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})) + "\\n")
sys.stderr.write("LGEN-EXIT " + json.dumps(code) + "\\n")
"""


def loaded(args: list[str]) -> tuple[set[str], int]:
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=60)
    lines = p.stderr.splitlines()
    modules = json.loads(next(l for l in lines if l.startswith("LGEN-MODULES "))[len("LGEN-MODULES "):])
    code = json.loads(next(l for l in lines if l.startswith("LGEN-EXIT "))[len("LGEN-EXIT "):])
    return set(modules), code


@pytest.mark.parametrize(
    "args, code",
    [
        (["--help"], 0),
        (["explain", "LGEN202"], 0),
        (["eject", "model.py", "--max-epochs", "x"], 2),
        (["eject", "model.py", "--accumulate-grad-batches", "0"], 2),  # lgen rejects the flag
    ],
    ids=["help", "explain", "bad-int", "bad-flag"],
)
def test_no_heavy_imports(args, code):
    modules, exit_code = loaded(args)
    assert exit_code == code
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_eject_never_imports_torch(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(
        "import lightning as L\nimport torch\n\n\nclass M(L.LightningModule):\n"
        "    def training_step(self, batch, batch_idx):\n        return self.layer(batch).sum()\n\n"
        "    def configure_optimizers(self):\n        return torch.optim.SGD(self.parameters(), lr=0.1)\n\n"
        "    def train_dataloader(self):\n        return [torch.zeros(2)]\n"
    )
    modules, exit_code = loaded(["eject", str(model), "-o", str(tmp_path / "train.py")])
    assert exit_code == 0
    assert {"libcst", "black", "jinja2"} <= modules
    assert not modules & {"torch", "lightning"}
