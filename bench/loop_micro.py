"""What the generated per-batch code costs beyond a hand loop, piece by piece (microseconds per call).

    .venv/bin/python bench/loop_micro.py

Ejects bench/models/tiny.py (TinyLog), imports the script, and times with `timeit` (best of 5,
one thread) each helper the generated loop calls every batch against what a hand loop does
instead. The evidence behind the template proposals in BENCHMARKS.md.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "train_tiny.py"
        subprocess.run(
            [sys.executable, "-m", "lgen", "eject", str(REPO / "bench/models/tiny.py"), "--class", "TinyLog", "-o", str(script)],
            check=True, capture_output=True,
        )
        spec = importlib.util.spec_from_file_location("lgen_micro", script)
        gen = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(gen)

    device = torch.device("cpu")
    loop = gen.Loop(device, 1, -1)
    x, y = torch.randn(32, 16), torch.randn(32, 1)
    loop.batch = (x, y)
    net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.0, momentum=0.9)
    metrics = {}

    def step_with_closure():
        def closure():
            return None

        optimizer.step(closure=closure)

    def batches_fetch():
        for _ in gen.fetch(iter(range(1000)), 1000):
            pass

    def batches_plain():
        for _ in enumerate(iter(range(1000))):
            pass

    pairs = [
        ("self.log -> Loop.log(...)", lambda: loop.log("train_loss", loss, on_step=True, on_epoch=False),
         "metrics[name] = loss.detach()", lambda: metrics.__setitem__("train_loss", loss.detach())),
        ("to_device((x, y), cpu)", lambda: gen.to_device((x, y), device), "(nothing)", lambda: None),
        ("optimizer.step(closure=...)", step_with_closure, "optimizer.step()", optimizer.step),
        ("fetch(): 1000 batches", batches_fetch, "enumerate(): 1000 batches", batches_plain),
    ]
    print("| generated | us | hand | us | extra us |")
    print("|---|---:|---|---:|---:|")
    for g_name, g, h_name, h in pairs:
        n = 20000 if "1000" not in g_name else 200
        tg = min(timeit.repeat(g, number=n, repeat=5)) / n * 1e6
        th = min(timeit.repeat(h, number=n, repeat=5)) / n * 1e6
        if "1000" in g_name:
            tg, th = tg / 1000, th / 1000
            g_name, h_name = g_name.replace("1000 batches", "per batch"), h_name.replace("1000 batches", "per batch")
        print(f"| {g_name} | {tg:.2f} | {h_name} | {th:.2f} | {tg - th:+.2f} |")


if __name__ == "__main__":
    main()
