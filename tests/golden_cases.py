"""The golden cases: golden/<case>/{model.py, case.toml, train.py | stderr.txt}."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from equivalence.zygote import LGEN_PRELOAD, python

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"


@dataclass
class GoldenCase:
    name: str
    dir: Path
    args: list[str]
    cls: str | None = None
    seed: int = 1234
    equivalence: bool = True
    lightning_flags: dict = field(default_factory=dict)
    # a run (the entry holds the Trainer call): tests/test_runs.py compares `python model.py`
    # under Lightning with `python train.py`, with these arguments for both
    run: bool = False
    run_args: list[str] = field(default_factory=list)
    # a run under DDP: how many processes print (each rank runs the entry's code; their lines
    # interleave in any order, so the test compares them sorted) and fresh processes, no zygote
    processes: int = 1

    @property
    def is_error(self) -> bool:
        return self.name.startswith("err_")

    @property
    def entry(self) -> Path:
        """The entry: model.py, or project/model.py for a case that holds a small project."""
        return self.dir / "project" / "model.py" if (self.dir / "project").is_dir() else self.dir / "model.py"

    def copy_into(self, workdir: Path) -> None:
        """The case's files into `workdir`: model.py, or the whole of project/ (its entry model.py)."""
        workdir.mkdir(parents=True, exist_ok=True)
        if (self.dir / "project").is_dir():
            shutil.copytree(self.dir / "project", workdir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(self.dir / "model.py", workdir / "model.py")

    def eject(self, workdir: Path, extra: list[str] | None = None) -> subprocess.CompletedProcess:
        """Copy the case's files into `workdir` and eject model.py there to train.py, as a user would."""
        self.copy_into(workdir)
        args = ["-m", "lgen", "eject", "model.py", "-o", "train.py", *self.cli_args, *(extra or [])]
        # forked from a warm interpreter with lgen's libraries imported (equivalence/zygote.py)
        return python(args, cwd=workdir, preload=LGEN_PRELOAD)

    @property
    def cli_args(self) -> list[str]:
        return (["--class", self.cls] if self.cls else []) + self.args


def load_cases() -> list[GoldenCase]:
    cases = []
    for d in sorted(p for p in GOLDEN.iterdir() if p.is_dir()):
        meta = tomllib.loads((d / "case.toml").read_text()) if (d / "case.toml").exists() else {}
        cases.append(
            GoldenCase(
                name=d.name,
                dir=d,
                args=list(meta.get("args", [])),
                cls=meta.get("class"),
                seed=meta.get("seed", 1234),
                equivalence=meta.get("equivalence", True),
                lightning_flags=dict(meta.get("lightning", {})),
                run=meta.get("run", False),
                run_args=list(meta.get("run_args", [])),
                processes=meta.get("processes", 1),
            )
        )
    return cases


def lightning_flags(case: GoldenCase) -> dict:
    """The Trainer kwargs equivalent to the case's CLI flags."""
    flags = dict(case.lightning_flags)
    args = list(case.args)
    while args:
        key, value = args.pop(0), args.pop(0)
        name = key.lstrip("-").replace("-", "_")
        if name in flags:
            continue
        if name == "datamodule":  # `--datamodule NAME`: the harness fits on NAME() of the model file
            flags["__datamodule__"] = value
            continue
        flags[name] = _value(name, value)
    return flags


def _value(name: str, text: str):
    if text.lower() == "none":
        return None
    if name in ("precision", "strategy", "accelerator", "gradient_clip_algorithm"):
        return text
    try:
        return int(text)
    except ValueError:
        return float(text)
