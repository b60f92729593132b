"""Issue 18, the file-system half: hostile paths and processes end in one clear line and the
right exit code; nothing hangs, nothing is lost, nothing is half-written.

Tests run as root in CI, where permissions stop nothing: the permission cases run lgen there without
the capabilities that override file permissions (setpriv), and as the current user elsewhere.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli_errors import BASE, assert_clean, lgen, write

from lgen import vendor

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file system cases")


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# 3. anything that is not a regular file is refused, and never hangs -----------------------------


def test_fifo_model_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "model.py")
    p = lgen("eject", "model.py", cwd=tmp_path)  # 120 s timeout in the helper: a hang fails
    assert_clean(p, 2)
    assert "model.py" in p.stderr and "FIFO" in p.stderr


def test_dev_zero_model_is_refused(tmp_path):
    p = lgen("eject", "/dev/zero", cwd=tmp_path)
    assert_clean(p, 2)
    assert "/dev/zero" in p.stderr and "regular file" in p.stderr


def test_huge_model_is_refused(tmp_path):
    big = tmp_path / "model.py"
    with open(big, "wb") as f:
        f.truncate(vendor.MAX_BYTES + 1)  # sparse: costs no disk
    p = lgen("eject", "model.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert "bytes" in p.stderr


def test_fifo_output_is_refused(tmp_path):
    write(tmp_path, BASE)
    os.mkfifo(tmp_path / "train.py")
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert "train.py" in p.stderr and "FIFO" in p.stderr
    assert stat.S_ISFIFO(os.stat(tmp_path / "train.py").st_mode)


def test_check_dir_skips_a_fifo_named_py(tmp_path):
    write(tmp_path, BASE)
    assert lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path).returncode == 0
    os.mkfifo(tmp_path / "x.py")
    p = lgen("check", ".", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "1 script up to date" in p.stderr


def test_check_fifo_argument_is_refused(tmp_path):
    os.mkfifo(tmp_path / "x.py")
    p = lgen("check", "x.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert "x.py" in p.stderr


def test_check_dir_with_dangling_link(tmp_path):
    os.symlink(tmp_path / "gone.py", tmp_path / "x.py")
    p = lgen("check", ".", cwd=tmp_path)
    assert "Traceback" not in p.stderr and p.returncode in (0, 2), p.stderr


# 1. the output's folder -----------------------------------------------------------------------


@pytest.mark.parametrize("out", ["no/such/dir/out.py", "newdir/", "model.py/out.py"])
def test_output_path_problems_are_usage_errors(tmp_path, out):
    write(tmp_path, BASE)
    p = lgen("eject", "model.py", "-o", out, cwd=tmp_path)
    assert_clean(p, 2)
    assert out in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert (tmp_path / "model.py").read_text() == BASE


def lgen_as_user(args, cwd):
    """lgen without the power to override file permissions: as root, through `setpriv`, which
    drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH before it runs lgen."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be provoked")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search", "--"]
    env = {k: v for k, v in os.environ.items() if k != "LGEN_TRACEBACK"}
    return subprocess.run([*prefix, sys.executable, "-m", "lgen", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_read_only_output_folder(tmp_path):
    write(tmp_path, BASE)
    (tmp_path / "ro").mkdir(mode=0o555)
    (tmp_path / "ro").chmod(0o555)
    p = lgen_as_user(["eject", "model.py", "-o", "ro/train.py"], tmp_path)
    assert_clean(p, 2)
    assert "ro/train.py" in p.stderr and not (tmp_path / "ro" / "train.py").exists()
    assert os.listdir(tmp_path / "ro") == []


def test_unreadable_existing_output(tmp_path):
    write(tmp_path, BASE)
    out = tmp_path / "train.py"
    out.write_text("mine\n")
    out.chmod(0o000)
    p = lgen_as_user(["eject", "model.py", "-o", "train.py"], tmp_path)
    assert_clean(p, 2)
    assert "train.py" in p.stderr
    out.chmod(0o644)
    assert out.read_text() == "mine\n"


def test_unreadable_model(tmp_path):
    write(tmp_path, BASE).chmod(0o000)
    p = lgen_as_user(["eject", "model.py"], tmp_path)
    assert_clean(p, 2)
    assert "model.py" in p.stderr


def test_check_dir_over_unreadable_py(tmp_path):
    (tmp_path / "secret.py").write_text("x = 1\n")
    (tmp_path / "secret.py").chmod(0o000)
    p = lgen_as_user(["check", "."], tmp_path)
    assert_clean(p, 2)
    assert "secret.py" in p.stderr


# 5. the output is never the model ------------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "dotted", "symlink", "hardlink"])
def test_output_is_the_model(tmp_path, how):
    model = write(tmp_path, BASE)
    out = {"same": "model.py", "dotted": "./sub/../model.py", "symlink": "link.py", "hardlink": "hard.py"}[how]
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        os.symlink("model.py", tmp_path / "link.py")
    if how == "hardlink":
        os.link(model, tmp_path / "hard.py")
    p = lgen("eject", "model.py", "-o", out, "--force", cwd=tmp_path)
    assert_clean(p, 2)
    assert model.read_text() == BASE, "the model file is never replaced"


def test_output_symlink_elsewhere_is_refused_and_left_alone(tmp_path):
    write(tmp_path, BASE)
    (tmp_path / "real.py").write_text("x = 1\n")
    os.symlink("real.py", tmp_path / "train.py")
    p = lgen("eject", "model.py", "-o", "train.py", "--force", cwd=tmp_path)
    assert_clean(p, 2)
    assert "symbolic link" in p.stderr
    assert os.path.islink(tmp_path / "train.py") and (tmp_path / "real.py").read_text() == "x = 1\n"


# 4, 7, 8. names and encodings ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mo\ndel.py", "mo\rdel.py", "mo\x0cdel.py", "mo\u2028del.py"])
def test_line_break_in_model_name(tmp_path, name):
    (tmp_path / name).write_text(BASE)
    p = lgen("eject", name, "-o", "train.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert not (tmp_path / "train.py").exists()


def test_line_break_in_output_name(tmp_path):
    write(tmp_path, BASE)
    p = lgen("eject", "model.py", "-o", "tr\nain.py", cwd=tmp_path)
    assert_clean(p, 2)
    assert not (tmp_path / "tr\nain.py").exists()


@pytest.mark.parametrize("encoding", ["bom", "latin-1"])
def test_encodings_python_accepts(tmp_path, encoding):
    text = BASE.replace("class Model", "# caf\u00e9\nclass Model")
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + text.encode("utf-8")
    else:
        data = ("# -*- coding: latin-1 -*-\n" + text).encode("latin-1")
    (tmp_path / "model.py").write_bytes(data)
    compile(data, "model.py", "exec")  # Python accepts it
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    script = (tmp_path / "train.py").read_text(encoding="utf-8")
    compile(script, "train.py", "exec")
    assert lgen("check", "train.py", cwd=tmp_path).returncode == 0


def test_dash_named_model_records_a_command_that_parses(tmp_path):
    write(tmp_path, BASE, "-model.py")
    p = lgen("eject", "-o", "train.py", "--", "-model.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    header = vendor.parse_header((tmp_path / "train.py").read_text())
    assert header is not None
    p = lgen("check", "train.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr


# 10. killed writers leave nothing that accumulates ---------------------------------------------


def test_sigkill_during_eject_leaves_nothing_that_accumulates(tmp_path):
    write(tmp_path, BASE)
    assert lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path).returncode == 0
    good = (tmp_path / "train.py").read_bytes()
    env = {**os.environ, "LGEN_NO_CACHE": "1"}
    rng = random.Random(18)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--force", "--max-epochs", "3"],
                                cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = (tmp_path / "train.py").read_bytes()
        assert data == good or not vendor.edited_since_generated(data.decode()), "never half-written"
        assert len(no_leftovers(tmp_path)) <= 1
    p = lgen("eject", "model.py", "-o", "train.py", "--force", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert no_leftovers(tmp_path) == []
    assert (tmp_path / "train.py").read_bytes() == good


def test_stale_temp_of_a_killed_writer_is_removed(tmp_path):
    write(tmp_path, BASE)
    stale = Path(vendor.temp_name(str(tmp_path / "train.py")))
    stale.write_text("half a scr")
    p = lgen("eject", "model.py", "-o", "train.py", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert no_leftovers(tmp_path) == []


def test_concurrent_writers(tmp_path):
    write(tmp_path, BASE)
    env = {**os.environ, "LGEN_NO_CACHE": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "lgen", "eject", "model.py", "-o", "train.py", "--force", "--max-epochs", str(n)],
                         cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for n in (1, 2, 3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err
    text = (tmp_path / "train.py").read_text()
    assert not vendor.edited_since_generated(text)
    compile(text, "train.py", "exec")
    assert no_leftovers(tmp_path) == []
