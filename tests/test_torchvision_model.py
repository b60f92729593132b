"""The script's `get_torchvision_model` against Lightning's (utilities/model_helpers.py), in fresh
processes: with no torchvision (the same ModuleNotFoundError), and with stand-in torchvision
distributions of several versions (the same way to the model: `models.get_model` from 0.14.0
on, the builder itself before, and the same model, tensor for tensor). The environment has no
torchvision, so the stand-in is put on sys.path after Lightning is imported (torchmetrics would import more of
torchvision than the stand-in has), and Lightning's cached check for torchvision made afresh."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "golden" / "torchvision_model" / "train.py"

MODELS = '''
import torch


def tiny(num_classes=3, width=6):
    return torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.ReLU(), torch.nn.Linear(width, num_classes))


def get_model(name, **config):
    model = {"tiny": tiny}[name.lower()](**config)
    model.built_by = "get_model"
    return model
'''

PROBE = '''
import importlib, importlib.metadata, importlib.util, json, re, sys
import torch
side, fake = sys.argv[1], sys.argv[2]
if side == "lightning":
    from lightning.pytorch.utilities.model_helpers import get_torchvision_model
else:
    namespace = {"importlib": importlib, "re": re}
    exec(open(sys.argv[3]).read(), namespace)
    get_torchvision_model = namespace["get_torchvision_model"]
if fake:
    sys.path.insert(0, fake)
    importlib.invalidate_caches()
if side == "lightning":
    # as in a process that had torchvision from the start: Lightning checked for it on import
    import lightning.pytorch.utilities.imports as imports
    from lightning_utilities.core.imports import RequirementCache

    imports._TORCHVISION_AVAILABLE = RequirementCache("torchvision")
torch.manual_seed(0)
try:
    model = get_torchvision_model("tiny", width=5)
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
else:
    torch.save(model.state_dict(), sys.argv[4])
    print(json.dumps({"built_by": getattr(model, "built_by", "builder")}))
'''


def _script_function(tmp_path: Path) -> Path:
    """The golden script's `get_torchvision_model`, on its own."""
    tree = ast.parse(SCRIPT.read_text())
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "get_torchvision_model")
    path = tmp_path / "function.py"
    path.write_text(ast.unparse(fn))
    return path


def _fake(tmp_path: Path, version: str | None) -> str:
    if version is None:
        return ""
    root = tmp_path / "site"
    (root / "torchvision").mkdir(parents=True)
    (root / "torchvision" / "__init__.py").write_text("")
    (root / "torchvision" / "models.py").write_text(MODELS)
    info = root / f"torchvision-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torchvision\nVersion: {version}\n")
    return str(root)


@pytest.mark.parametrize("version", [None, "0.29.1+cpu", "0.14.0", "0.14.0rc1", "0.13.1"])
def test_get_torchvision_model_matches_lightning(tmp_path, version):
    import torch

    fake = _fake(tmp_path, version)
    function = _script_function(tmp_path)
    out = {}
    for side in ("lightning", "script"):
        weights = tmp_path / f"{side}.pt"
        p = subprocess.run([sys.executable, "-c", PROBE, side, fake, str(function), str(weights)], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        out[side] = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["script"] == out["lightning"]
    if version is None:
        assert out["lightning"]["error"] == "ModuleNotFoundError"
        return
    theirs, ours = torch.load(tmp_path / "lightning.pt"), torch.load(tmp_path / "script.pt")
    assert theirs.keys() == ours.keys() and all(torch.equal(theirs[k], ours[k]) for k in theirs)
