"""Per-step cost of the loop `lgen eject` writes, against a careful hand loop and Lightning's Trainer.

    .venv/bin/python bench/loop_cost.py [--rounds N] [--quick] [--case NAME ...] [--pbar] [--json OUT]
                                        [--device cpu|cuda]

Cases (models in bench/models/; each shares its network, loss and DataLoader with the hand loop):

    tiny_log      tiny MLP, batch 32, `self.log` every step                      (overhead-bound)
    tiny_accum    the same + accumulate_grad_batches=4, gradient_clip_val=1.0, a per-step scheduler
    gan_manual    manual optimization, two optimizers, `manual_backward`, two `self.log` per step
    compute       a wide MLP (512-2048-2048-10), batch 256, `self.log` every step   (compute-bound)

Variants:

    hand          a minimal careful loop written by hand: same model, data, optimizer and order of
                  operations; it keeps each logged value as a detached tensor (no `.item()`)
    generated     the script `lgen eject` writes for the model, imported and run through its
                  `main([...])`, exactly as `python train.py --max-epochs E` runs it
    lightning     `Trainer(logger=False, enable_progress_bar=False, enable_checkpointing=False,
                  enable_model_summary=False, num_sanity_val_steps=0)` on CPU
    lightning+pbar   the same with the progress bar on (`--pbar`)

Method: every (variant, round) runs in a fresh process with `torch.set_num_threads(1)` (and
OMP/MKL threads 1). Inside it, after an untimed warm-up run, it alternates a short run
(E_small epochs) and a long run (E_big epochs) `--repeats` times; a run is a whole fit from a
fresh model, so the difference of the fastest long and fastest short wall times, divided by
the difference of the batch counts, is the steady-state cost of one training batch, with every
fixed cost (imports, model construction, Trainer set-up, the checkpoint the script writes)
cancelled out and per-epoch costs amortized as they are in real training. (Fastest, because
load from other processes only ever adds time.) With `--device cuda` every variant trains on the
GPU (the hand loop moves each batch with `non_blocking=True`, as Lightning does) and each run
ends with `torch.cuda.synchronize()`, so the queued kernels are inside the timing.
Rounds run the variants in an order rotated per round; the table shows the median over rounds
of each variant's per-batch time and the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "bench" / "models"
PY = sys.executable

# name: (model file, class, lgen/Trainer flags, epochs small, epochs big)
CASES = {
    "tiny_log": ("tiny.py", "TinyLog", {}, 1, 4),
    "tiny_accum": ("tiny.py", "TinyAccumSched", {"accumulate_grad_batches": 4, "gradient_clip_val": 1.0}, 1, 4),
    "gan_manual": ("gan.py", "GAN", {}, 1, 4),
    "compute": ("compute.py", "Wide", {}, 1, 3),
}
QUICK_EPOCHS = {"tiny_log": (1, 2), "tiny_accum": (1, 2), "gan_manual": (1, 2), "compute": (1, 2)}
VARIANTS = ("hand", "generated", "lightning")


# --------------------------------------------------------------------------------------------
# worker side: one variant of one case in this process


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def hand_runner(case: str, models, device: str):
    """A minimal careful loop per case: what someone would write by hand for the same work."""
    import torch
    from torch import nn

    dev = torch.device(device)

    def to(*tensors):
        return tensors if dev.type == "cpu" else tuple(t.to(dev, non_blocking=True) for t in tensors)

    def tiny(epochs, accumulate=1, clip=None, scheduler=False):
        torch.manual_seed(0)
        net = models.TinyNet().to(dev)
        optimizer = models.make_optimizer(net.parameters())
        sched = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.99) if scheduler else None
        loader = models.make_loader()
        params = list(net.parameters())
        metrics = {}
        n = len(loader)
        net.train()
        for _ in range(epochs):
            for i, (x, y) in enumerate(loader):
                x, y = to(x, y)
                loss = nn.functional.mse_loss(net(x), y)
                metrics["train_loss"] = loss.detach()
                if accumulate == 1:
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    continue
                if i % accumulate == 0:
                    optimizer.zero_grad()
                (loss / accumulate).backward()
                if (i + 1) % accumulate == 0 or i + 1 == n:
                    if clip is not None:
                        torch.nn.utils.clip_grad_norm_(params, clip)
                    optimizer.step()
                    sched.step()
        return metrics

    def gan(epochs):
        torch.manual_seed(0)
        generator, discriminator = models.make_generator().to(dev), models.make_discriminator().to(dev)
        g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        loader = models.make_loader()
        metrics = {}
        for _ in range(epochs):
            for (real,) in loader:
                (real,) = to(real)
                fake = generator(torch.randn(real.size(0), models.LATENT, device=real.device))
                d_loss = models.discriminator_loss(discriminator, real, fake)
                d_opt.zero_grad()
                d_loss.backward()
                d_opt.step()
                g_loss = models.generator_loss(discriminator, fake)
                g_opt.zero_grad()
                g_loss.backward()
                g_opt.step()
                metrics["d_loss"], metrics["g_loss"] = d_loss.detach(), g_loss.detach()
        return metrics

    def compute(epochs):
        torch.manual_seed(0)
        net = models.WideNet().to(dev)
        optimizer = models.make_optimizer(net.parameters())
        loader = models.make_loader()
        metrics = {}
        for _ in range(epochs):
            for x, y in loader:
                x, y = to(x, y)
                loss = nn.functional.cross_entropy(net(x), y)
                metrics["train_loss"] = loss.detach()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return metrics

    return {
        "tiny_log": lambda e: tiny(e),
        "tiny_accum": lambda e: tiny(e, accumulate=4, clip=1.0, scheduler=True),
        "gan_manual": gan,
        "compute": compute,
    }[case]


def generated_runner(script: Path, device: str):
    module = load_module(script, "lgen_bench_generated")
    out_dir = tempfile.mkdtemp(prefix="lgen-bench-out-")

    def run(epochs):
        # the script prints progress lines to stderr every 50 batches; keep them off the terminal
        with contextlib.redirect_stderr(io.StringIO()):
            module.main(["--max-epochs", str(epochs), "--seed", "0", "--out-dir", out_dir, "--accelerator", device])

    return run


def lightning_runner(cls, flags: dict, pbar: bool, device: str):
    import logging
    import warnings

    import lightning as L

    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)

    def run(epochs):
        L.seed_everything(0, verbose=False)
        trainer = L.Trainer(
            max_epochs=epochs,
            accelerator=device,
            devices=1,
            logger=False,
            enable_progress_bar=pbar,
            enable_checkpointing=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
            **flags,
        )
        trainer.fit(cls())

    return run


def worker(case: str, variant: str, script: str | None, repeats: int, epochs: tuple[int, int], device: str = "cpu") -> dict:
    import torch

    torch.set_num_threads(1)
    file, cls_name, flags, _, _ = CASES[case]
    models = load_module(MODELS / file, f"bench_models_{Path(file).stem}")
    batches_per_epoch = len(models.make_loader())
    if variant == "hand":
        run = hand_runner(case, models, device)
    elif variant == "generated":
        run = generated_runner(Path(script), device)
    else:
        run = lightning_runner(getattr(models, cls_name), flags, pbar=variant == "lightning+pbar", device=device)
    if device != "cpu":
        untimed = run

        def run(epochs):
            untimed(epochs)
            torch.cuda.synchronize()

    small, big = epochs
    run(1)  # warm-up: allocator, caches, lazy imports
    short, long = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(small)
        t1 = time.perf_counter()
        run(big)
        t2 = time.perf_counter()
        short.append(t1 - t0)
        long.append(t2 - t1)
    # noise from other processes only adds time: the fastest short and long runs are the best estimates
    per_batch = (min(long) - min(short)) / ((big - small) * batches_per_epoch)
    return {"per_batch_s": per_batch, "short_s": short, "long_s": long, "batches_per_epoch": batches_per_epoch}


# --------------------------------------------------------------------------------------------
# driver side


def eject(case: str, out_dir: Path) -> tuple[Path | None, str | None]:
    """Eject the case's model; (script, None) or (None, why not)."""
    file, cls_name, flags, _, _ = CASES[case]
    script = out_dir / f"train_{case}.py"
    args = [PY, "-m", "lgen", "eject", str(MODELS / file), "--class", cls_name, "-o", str(script)]
    for key, value in flags.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    p = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    if p.returncode != 0:
        codes = sorted(set(re.findall(r"LGEN\d{3}", p.stderr)))
        return None, f"pending ({', '.join(codes) or 'exit ' + str(p.returncode)})"
    return script, None


def spawn(case, variant, script, repeats, epochs, device="cpu") -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    payload = json.dumps({"case": case, "variant": variant, "script": script and str(script), "repeats": repeats, "epochs": epochs, "device": device})
    with tempfile.TemporaryFile() as err:
        p = subprocess.run([PY, __file__, "--worker", payload], stdout=subprocess.PIPE, stderr=err, env=env, cwd=REPO, text=True)
        if p.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise SystemExit(f"{case}/{variant} failed (exit {p.returncode}):\n{tail}")
    return json.loads(p.stdout.strip().splitlines()[-1])["per_batch_s"]


def machine(device: str = "cpu") -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    code = "import torch, lightning; print(f'torch {torch.__version__}, lightning {lightning.__version__}')"
    if device == "cuda":
        code += "; print(torch.cuda.get_device_name(0))"
    libs = ", ".join(subprocess.run([PY, "-c", code], capture_output=True, text=True).stdout.split("\n")).strip(", ")
    return f"{cpu}, {os.cpu_count()} cores visible, Python {platform.python_version()}, {libs}, device {device}, one thread per process"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=2, help="short/long pairs inside each process (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="1 round, 1 repeat, 1 vs 2 epochs: a smoke run, not figures")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run only these cases (repeatable)")
    parser.add_argument("--pbar", action="store_true", help="also time Lightning with its progress bar on")
    parser.add_argument("--no-lightning", action="store_true", help="time only the hand loop and the generated one")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where every variant trains (default: %(default)s)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        result = worker(spec["case"], spec["variant"], spec["script"], spec["repeats"], tuple(spec["epochs"]), spec.get("device", "cpu"))
        print(json.dumps(result))
        return

    rounds, repeats = (1, 1) if args.quick else (args.rounds, args.repeats)
    variants = VARIANTS + (("lightning+pbar",) if args.pbar else ())
    if args.no_lightning:
        variants = ("hand", "generated")
    cases = args.case or list(CASES)
    print(machine(args.device))
    print(f"{rounds} round(s) x {repeats} short/long pair(s) per process; per-batch medians\n")
    results = {}
    with tempfile.TemporaryDirectory(prefix="lgen-bench-") as tmp:
        for case in cases:
            script, pending = eject(case, Path(tmp))
            epochs = QUICK_EPOCHS[case] if args.quick else CASES[case][3:5]
            todo = [v for v in variants if not (v == "generated" and script is None)]
            times = {v: [] for v in todo}
            for r in range(rounds):
                order = todo[r % len(todo):] + todo[: r % len(todo)]
                for v in order:
                    times[v].append(spawn(case, v, script if v == "generated" else None, repeats, epochs, args.device))
                    print(f"  {case} round {r + 1}: {v} {times[v][-1] * 1e6:.0f} us/batch", file=sys.stderr)
            row = {v: statistics.median(t) for v, t in times.items()}
            ratio = {}
            if script is not None:
                for other in todo:
                    if other != "generated":
                        ratio[f"generated/{other}"] = statistics.median(g / o for g, o in zip(times["generated"], times[other]))
            if "lightning" in times:
                ratio["lightning/hand"] = statistics.median(l / h for l, h in zip(times["lightning"], times["hand"]))
            if "lightning+pbar" in times:
                ratio["lightning+pbar/hand"] = statistics.median(l / h for l, h in zip(times["lightning+pbar"], times["hand"]))
            results[case] = {"us_per_batch": {v: t * 1e6 for v, t in row.items()}, "ratios": ratio, "pending": pending, "rounds": {v: [t * 1e6 for t in ts] for v, ts in times.items()}}

    cols = list(variants)
    print("| case | " + " | ".join(f"{c} us/batch" for c in cols) + " | generated/hand | generated/lightning | lightning/hand |" + (" lightning+pbar/hand |" if args.pbar else ""))
    print("|---" * (len(cols) + 4 + bool(args.pbar)) + "|")
    for case, res in results.items():
        us, ratio = res["us_per_batch"], res["ratios"]
        cells = [f"{us[c]:.0f}" if c in us else (res["pending"] or "-") for c in cols]
        gh = f"{ratio['generated/hand']:.3f}x" if "generated/hand" in ratio else res["pending"]
        gl = f"{ratio['generated/lightning']:.3f}x" if "generated/lightning" in ratio else (res["pending"] or "-")
        lh = f"{ratio['lightning/hand']:.2f}x" if "lightning/hand" in ratio else "-"
        line = f"| {case} | " + " | ".join(cells) + f" | {gh} | {gl} | {lh} |"
        if args.pbar:
            line += f" {ratio['lightning+pbar/hand']:.2f}x |"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(args.device), "rounds": rounds, "repeats": repeats, "results": results}, indent=2))


if __name__ == "__main__":
    main()
