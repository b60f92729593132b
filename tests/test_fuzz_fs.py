"""The fuzz test's file-system and process part (issue 18): random combinations of what the model
path and the `-o` path are (regular files, FIFOs, folders, devices, symbolic and hard links to
the model, dangling links, paths under a file, odd characters in names), run through the real
command, then killed writers and concurrent writers. Whatever the combination, lgen exits 0, 1
or 2 with no traceback, never changes the model, never leaves a temporary file, and anything it
writes is a complete script that parses and verifies. Seeded, a few seconds (40 of the
combinations; LGEN_FUZZ_ALL=1 runs all of them)."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli_errors import BASE, lgen

from lgen import vendor

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file system cases")

MODEL_KINDS = ["regular", "fifo", "dir", "devnull", "dangling", "under_file", "bom", "latin1", "dash", "odd_name"]
OUT_KINDS = ["none", "new", "existing_script", "foreign", "fifo", "dir", "trailing_slash", "missing_dir", "under_file",
             "model", "symlink_model", "hardlink_model", "symlink_other", "dangling", "odd_name"]
ODD = ["\n", "\r", "\t", "\x0b", "\x1b", "\u2028", "\u0085", " ", "'", '"', "$", "`", "\\", "é", "*"]


def make_model(folder: Path, kind: str, rng: random.Random) -> str:
    if kind == "regular":
        (folder / "model.py").write_text(BASE)
        return "model.py"
    if kind == "fifo":
        os.mkfifo(folder / "model.py")
        return "model.py"
    if kind == "dir":
        (folder / "model.py").mkdir()
        return "model.py"
    if kind == "devnull":
        return os.devnull
    if kind == "dangling":
        os.symlink("gone.py", folder / "model.py")
        return "model.py"
    if kind == "under_file":
        (folder / "f").write_text("x")
        return "f/model.py"
    if kind == "bom":
        (folder / "model.py").write_bytes(b"\xef\xbb\xbf" + BASE.encode())
        return "model.py"
    if kind == "latin1":
        (folder / "model.py").write_bytes(("# -*- coding: latin-1 -*-\n# \u00e9\n" + BASE).encode("latin-1"))
        return "model.py"
    if kind == "dash":
        (folder / "-model.py").write_text(BASE)
        return "-model.py"
    name = f"mo{rng.choice(ODD)}del.py"
    (folder / name).write_text(BASE)
    return name


def make_out(folder: Path, kind: str, model: str, rng: random.Random) -> str | None:
    if kind == "none":
        return None
    if kind == "new":
        return "out.py"
    if kind == "existing_script":
        (folder / "gen").mkdir()
        lgen("eject", os.path.join("..", "model.py") if (folder / "model.py").is_file() else os.devnull, "-o", "gen/out.py", cwd=folder)
        return "gen/out.py"
    if kind == "foreign":
        (folder / "out.py").write_text("mine = 1\n")
        return "out.py"
    if kind == "fifo":
        os.mkfifo(folder / "out.py")
        return "out.py"
    if kind == "dir":
        (folder / "out.py").mkdir()
        return "out.py"
    if kind == "trailing_slash":
        return "newdir/"
    if kind == "missing_dir":
        return "no/such/out.py"
    if kind == "under_file":
        (folder / "g").write_text("x")
        return "g/out.py"
    if kind == "model":
        return model
    if kind == "symlink_model":
        os.symlink(os.path.abspath(os.path.join(folder, model)), folder / "out.py")
        return "out.py"
    if kind == "hardlink_model":
        try:
            os.link(folder / model, folder / "out.py")
        except OSError:
            return "out.py"
        return "out.py"
    if kind == "symlink_other":
        (folder / "real.py").write_text("x = 1\n")
        os.symlink("real.py", folder / "out.py")
        return "out.py"
    if kind == "dangling":
        os.symlink("nowhere.py", folder / "out.py")
        return "out.py"
    return f"o{rng.choice(ODD)}ut.py"


def snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            data = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read()
            out[os.path.relpath(p, folder)] = (stat.S_IFMT(st.st_mode), data)
    return out


def test_fuzz_paths(tmp_path):
    rng = random.Random(1818)
    combos = [(m, o) for m in MODEL_KINDS for o in OUT_KINDS]
    rng.shuffle(combos)
    for i, (mkind, okind) in enumerate(combos[: None if os.environ.get("LGEN_FUZZ_ALL") else 40]):
        folder = tmp_path / f"c{i}"
        folder.mkdir()
        model = make_model(folder, mkind, rng)
        out = make_out(folder, okind, model, rng)
        before = snapshot(folder)
        args = ["eject", *(["-o", out] if out is not None else []), "--", model]
        p = lgen(*args, cwd=folder)
        what = f"{mkind} model {model!r}, {okind} -o {out!r}: exit {p.returncode}\n{p.stderr}"
        assert p.returncode in (0, 1, 2), what
        assert "Traceback" not in p.stderr and "internal error" not in p.stderr, what
        if p.returncode == 2:
            assert len(p.stderr.strip().splitlines()) == 1, what
        after = snapshot(folder)
        assert not [n for n in after if n.endswith(".tmp")], what
        for name, (kind, data) in before.items():
            if out is None or os.path.normpath(name) != os.path.normpath(out):
                assert after.get(name) == (kind, data), f"{name} changed: {what}"
        if p.returncode == 0 and out is not None:
            text = (folder / out).read_text(encoding="utf-8")
            assert not vendor.edited_since_generated(text), what
            compile(text, out, "exec")
            assert lgen("check", out, cwd=folder).returncode == 0, what
        elif p.returncode != 0 and out is not None and os.path.isabs(out):
            pass  # /dev/null as -o: a device, refused, never replaced
        elif p.returncode != 0 and out is not None and os.path.normpath(out) not in before:
            assert not os.path.lexists(folder / out), f"nothing written on failure: {what}"
        elif p.returncode != 0 and out is not None:
            assert after.get(os.path.normpath(out)) == before[os.path.normpath(out)], f"nothing written on failure: {what}"


def test_fuzz_killed_and_concurrent_writers(tmp_path):
    (tmp_path / "model.py").write_text(BASE)
    rng = random.Random(18)
    env = {**os.environ, "LGEN_NO_CACHE": "1"}
    cmd = [sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--force"]
    for _ in range(3):
        procs = [subprocess.Popen([*cmd, "--max-epochs", str(rng.randint(1, 9))], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        time.sleep(rng.uniform(0.3, 1.2))
        victim = rng.choice(procs)
        victim.send_signal(signal.SIGKILL)
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            if proc is not victim:
                assert proc.returncode == 0 and "Traceback" not in err, err
        if (tmp_path / "train.py").exists():
            text = (tmp_path / "train.py").read_text()
            assert not vendor.edited_since_generated(text), "never half-written"
            compile(text, "train.py", "exec")
    p = lgen("eject", "model.py", "-o", "train.py", "--force", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert [n.name for n in tmp_path.iterdir() if n.name.endswith(".tmp")] == []
