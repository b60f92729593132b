"""Precision: the 16-mixed GradScaler path, checked bit-for-bit on CPU.

On CPU, Lightning runs "16-mixed" as "bf16-mixed" (and so does the ejected script: those runs
are in the equivalence matrix). The GradScaler path only runs on CUDA. To prove it without a
GPU, both sides are forced onto it on CPU: Lightning gets an explicit
`MixedPrecision("16-mixed", "cpu", GradScaler("cpu"))` plugin, and the ejected script's two
device switches (`GradScaler("cuda") if cuda else None`, float16 if cuda else bfloat16) are
pinned to the CPU scaler and float16. Everything else in the script runs as generated.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from equivalence import harness
from equivalence.zygote import LGEN_PRELOAD, python
from equivalence.reference.check import Ref, run_lightning_fp16_cpu

SCALER_SWITCH = 'torch.amp.GradScaler("cuda") if device.type == "cuda" else None'
DTYPE_SWITCH = "torch.float16 if device.type == \"cuda\" else torch.bfloat16"

CASES = [
    ("baseline_accum3_clip", "baseline.py", "BaselineModel", {"max_epochs": 2, "accumulate_grad_batches": 3, "gradient_clip_val": 0.5}),
    ("hooks", "hooks.py", "HooksModel", {"max_epochs": 2}),
    ("manual_gan", "manual_gan.py", "SimpleGAN", {"max_epochs": 2}),
    ("manual_hooks_toggle_model", "manual_patterns.py", "HooksAndToggleModel", {"max_epochs": 2}),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,model,cls,flags", CASES, ids=[c[0] for c in CASES])
def test_scaler_path_matches_lightning_on_cpu(tmp_path, name, model, cls, flags):
    import torch

    model_path = harness.resolve_model(model)
    script = tmp_path / "train.py"
    cli = harness.flags_to_cli({**flags, "precision": "16-mixed"})
    p = python(["-m", "lgen", "eject", str(model_path), "--class", cls, "-o", str(script), *cli],
               cwd=os.getcwd(), preload=LGEN_PRELOAD)  # fmt: skip
    assert p.returncode == 0, p.stderr
    text = script.read_text()
    assert text.count(SCALER_SWITCH) == 1 and text.count(DTYPE_SWITCH) == 1, "the device switches moved"
    script.write_text(text.replace(SCALER_SWITCH, 'torch.amp.GradScaler("cpu")').replace(DTYPE_SWITCH, "torch.float16"))
    ours = harness.run_script(script, ["--seed", "1234", "--accelerator", "cpu"], tmp_path / "ejected")
    theirs = run_lightning_fp16_cpu(Ref(name, model_path, cls, flags, "", fp16_cpu_plugin=True), 1234, tmp_path / "lightning")
    problems = harness.compare(theirs, ours)
    assert problems == [], "\n".join(problems)
    a = torch.load(theirs, map_location="cpu", weights_only=False)["MixedPrecision"]
    b = torch.load(ours, map_location="cpu", weights_only=True)["MixedPrecision"]
    assert a == b, (a, b)
    assert b["scale"] < 65536.0 or name.startswith("manual"), "the run should have skipped at least one step"


# ---- what ejects, and what is said, per precision (fast: no training)

from lgen.options import Flags  # noqa: E402
from lgen.pipeline import eject  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _eject(model: Path, cls: str, **flags):
    return eject(str(model), Flags(**flags), cls, display_path="model.py", command=[], script_name="train.py")


def test_nothing_of_precision_in_a_32_true_script():
    text = _eject(GOLDEN / "baseline" / "model.py", "BaselineModel").text
    for absent in ("autocast", "GradScaler", "scaler", "bfloat16", "PRECISION", "step_context", "MixedPrecision"):
        assert absent not in text, absent


@pytest.mark.parametrize("precision,present,absent", [
    ("bf16-mixed", ["torch.autocast(", "dtype=torch.bfloat16"], ["GradScaler", "convert_input", "set_default_dtype"]),
    ("bf16-true", ["convert_input(batch)", "model.to(dtype=torch.bfloat16)", "set_default_dtype"], ["autocast", "GradScaler"]),
    ("16-mixed", ["GradScaler(\"cuda\")", "scaled_step(", "\"MixedPrecision\""], ["convert_input"]),
])  # fmt: skip
def test_precision_sections(precision, present, absent):
    text = _eject(GOLDEN / "baseline" / "model.py", "BaselineModel", precision=precision).text
    for needle in present:
        assert needle in text, needle
    for needle in absent:
        assert needle not in text, needle


def test_16_mixed_with_optimizer_step_override_is_rejected():
    result = _eject(GOLDEN / "optimizer_step_warmup" / "model.py", None, precision="16-mixed")
    assert result.text is None
    assert any(d.code == "LGEN402" and "optimizer_step" in d.message for d in result.diagnostics)


def test_manual_clipping_under_16_mixed_warns_and_marks_the_code():
    result = _eject(GOLDEN / "manual_clip" / "model.py", "ManualClip", precision="16-mixed")
    assert result.text is not None
    warnings = [d for d in result.diagnostics if d.code == "LGEN501"]
    assert len(warnings) == 2 and all(d.severity == "warning" for d in warnings)
    assert "these gradients are still scaled" in result.text and "(LGEN501)" in result.text
