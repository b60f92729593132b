"""A pytest plugin for tests/mutation.py: each Lightning run is made once and reused.

A mutation changes lgen or its templates, never Lightning: what ``harness.run_lightning`` gives
for a (model bytes, class, flags with their types, seed, harness bytes) is the same under every
mutation, so the mutation check runs it once (in its unmutated baseline) and copies the run's
folder back for the others. Loaded with ``-p equivalence.lightning_cache`` and
``LGEN_LIGHTNING_CACHE=DIR``; without that variable it changes nothing. Not used by CI.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from equivalence import harness

_real_run_lightning = harness.run_lightning


def _key(model_path, class_name, flags, seed) -> str:
    typed = sorted((k, type(v).__name__, repr(v)) for k, v in dict(flags).items())
    h = hashlib.sha256()
    h.update(harness.resolve_model(model_path).read_bytes())
    h.update(Path(harness.__file__).read_bytes())
    h.update(repr((class_name, typed, int(seed))).encode())
    return h.hexdigest()[:32]


def cached_run_lightning(model_path, class_name, flags, seed, out_dir, timeout: float = 300):
    cache = Path(os.environ["LGEN_LIGHTNING_CACHE"]) / _key(model_path, class_name, flags, seed)
    out_dir = Path(out_dir)
    if not (cache / "done").exists():
        tmp = cache.with_name(cache.name + f".{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _real_run_lightning(model_path, class_name, flags, seed, tmp / "run", timeout)
            error = None
        except harness.RunError as e:
            error = {"what": str(e).split("\n", 1)[0], "cmd": e.cmd, "returncode": e.returncode,
                     "stdout": e.stdout, "stderr": e.stderr}
        (tmp / "run").mkdir(parents=True, exist_ok=True)
        (tmp / "error.json").write_text(json.dumps(error))
        (tmp / "done").write_text("")
        if cache.exists():  # another process made it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.rename(cache)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cache / "run", out_dir, dirs_exist_ok=True)
    error = json.loads((cache / "error.json").read_text())
    if error is not None:
        proc = subprocess.CompletedProcess(error["cmd"], error["returncode"], error["stdout"], error["stderr"])
        raise harness.RunError(error["what"].removesuffix(f" failed with exit code {error['returncode']}"),
                               error["cmd"], proc)
    return out_dir / "lightning.ckpt"


if os.environ.get("LGEN_LIGHTNING_CACHE"):
    harness.run_lightning = cached_run_lightning
