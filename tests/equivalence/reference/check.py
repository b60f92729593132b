"""Run Lightning and the hand-written issue-4 reference scripts side by side.

    python tests/equivalence/reference/check.py [NAME...] [--seed S] [--keep DIR]

NAME is ddp_auto or ddp_manual (default: both, one after the other; each starts 2
processes). The precision references that were here are superseded by the generator: the
golden bf16_mixed / bf16_true / fp16_mixed_accum_clip cases and tests/test_precision.py, which
uses ``run_lightning_fp16_cpu`` below (Lightning with an explicit
``MixedPrecision("16-mixed", "cpu", GradScaler("cpu"))`` plugin) to check the GradScaler path on
CPU. For each it prints the number of compare() mismatches at atol 0, the mismatches themselves, and
the max abs difference over state_dict and optimizer_states.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import harness  # noqa: E402


@dataclass(frozen=True)
class Ref:
    name: str
    model: Path  # LightningModule file for the Lightning side
    cls: str
    flags: dict[str, Any]  # Trainer flags for the Lightning side
    script: str  # reference script in this folder
    nproc: int = 1  # >1: run the script under torchrun
    args: tuple[str, ...] = field(default_factory=tuple)  # extra script options
    fp16_cpu_plugin: bool = False  # Lightning side: MixedPrecision("16-mixed", "cpu") plugin


BASELINE = harness.MODELS_DIR / "baseline.py"
GAN = HERE / "models_manual_gan.py"

REFS = {
    r.name: r
    for r in [
        Ref(
            "ddp_auto",
            BASELINE,
            "BaselineModel",
            {"max_epochs": 2, "accumulate_grad_batches": 2, "strategy": "ddp", "devices": 2},
            "ddp_auto.py",
            nproc=2,
        ),
        Ref(
            "ddp_manual",
            GAN,
            "ManualGAN",
            {"max_epochs": 2, "strategy": "ddp_find_unused_parameters_true", "devices": 2},
            "ddp_manual.py",
            nproc=2,
        ),
    ]
}


def run_lightning_fp16_cpu(ref: Ref, seed: int, out_dir: Path) -> Path:
    """Lightning with an explicit 16-mixed CPU plugin (float16 autocast + GradScaler("cpu"))."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = out_dir / "lightning.ckpt"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_lightning_fp16_cpu", str(ref.model), ref.cls,
           repr(ref.flags), str(seed), str(ckpt)]  # fmt: skip
    preload = harness._zygote().lightning_preload(ref.model)
    proc = harness._run("Lightning run (16-mixed CPU plugin)", cmd, harness.REPO_ROOT, 300, preload=preload)
    (out_dir / "lightning.log").write_text(f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
    return ckpt


def _lightning_fp16_cpu_main(model_path: str, cls_name: str, flags_src: str, seed: str, ckpt: str) -> None:
    import ast

    import torch
    from lightning.pytorch import Trainer, seed_everything
    from lightning.pytorch.plugins.precision import MixedPrecision

    cls = harness._load_model_class(model_path, cls_name)
    seed_everything(int(seed))
    model = cls()
    trainer = Trainer(
        accelerator="cpu",
        devices=1,
        deterministic=True,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        plugins=[MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu"))],
        **ast.literal_eval(flags_src),
    )
    trainer.fit(model)
    trainer.save_checkpoint(ckpt)


def check(ref: Ref, seed: int, work: Path) -> tuple[list[str], float]:
    t0 = time.time()
    if ref.fp16_cpu_plugin:
        light = run_lightning_fp16_cpu(ref, seed, work / "lightning")
    else:
        light = harness.run_lightning(ref.model, ref.cls, ref.flags, seed, work / "lightning")
    t1 = time.time()
    args = ["--seed", str(seed), "--accelerator", "cpu", *ref.args]
    if ref.nproc > 1:
        mine = harness.run_torchrun(HERE / ref.script, ref.nproc, args, work / "reference")
    else:
        mine = harness.run_script(HERE / ref.script, args, work / "reference")
    t2 = time.time()
    problems = harness.compare(light, mine, atol=0.0)
    diff = harness.max_abs_diff(light, mine)
    if ref.fp16_cpu_plugin:  # the GradScaler state too (scale, growth tracker)
        import torch

        a = torch.load(light, map_location="cpu", weights_only=False).get("MixedPrecision")
        b = torch.load(mine, map_location="cpu", weights_only=True).get("MixedPrecision")
        print(f"  GradScaler state: Lightning {a} / reference {b}")
        if a != b:
            problems.append(f"MixedPrecision: {a!r} != {b!r}")
    print(f"  lightning {t1 - t0:.1f}s, reference {t2 - t1:.1f}s", flush=True)
    return problems, diff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[], *REFS], default=[])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--keep", default=None, help="keep the runs' files in this folder")
    args = parser.parse_args(argv)
    names = args.names or list(REFS)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="lgen_ref_") as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        for name in names:
            print(f"{name}:", flush=True)
            try:
                problems, diff = check(REFS[name], args.seed, root / name)
            except harness.RunError as e:
                print(f"  FAILED: {e}"[:6000], flush=True)
                failed += 1
                continue
            print(f"  {len(problems)} mismatch(es) at atol 0; max abs diff {diff:.3e}", flush=True)
            for p in problems[:20]:
                print(f"    {p}")
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "_lightning_fp16_cpu":
        _lightning_fp16_cpu_main(*sys.argv[2:])
    else:
        sys.exit(main())
