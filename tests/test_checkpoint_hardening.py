"""The generated script against damaged or foreign checkpoints, and runs sharing an --out-dir.

`--resume` with a checkpoint that does not fit (another or a wider model, extra or missing
keys, a bare tensor, `{'foo': 1}`, empty `optimizer_states`, `epoch` as a string, a bogus
scheduler state, a truncated file) stops with one line naming what does not fit, exit 1, and
trains nothing (issue 18, item 11). Checkpoint saves use a temp name per process, clean it up
when interrupted and remove those of killed runs (item 12).

One script is ejected per module; most cases run its `main()` in this process (the script
imports only torch), the rest as processes forked from a warm interpreter (equivalence/zygote.py).
"""

import copy
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from equivalence.zygote import LGEN_PRELOAD, SCRIPT_PRELOAD, python

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    out = folder / "train.py"
    # the example's model without its run: a model file's script, with main()
    text = (ROOT / "examples" / "mlp.py").read_text()
    (folder / "model.py").write_text(text[: text.index('if __name__ == "__main__":')])
    r = python(["-m", "lgen", "eject", str(folder / "model.py"), "-o", str(out), "--max-epochs", "1"], cwd=os.getcwd(), preload=LGEN_PRELOAD)
    assert r.returncode == 0, r.stderr
    r = python([str(out), "--accelerator", "cpu", "--seed", "0", "--out-dir", str(folder / "good")], cwd=folder, env=ENV, preload=SCRIPT_PRELOAD)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def module(script):
    spec = importlib.util.spec_from_file_location("ejected_for_ckpt_tests", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # defines the model and the loop; main() is not called
    return mod


def good(script) -> dict:
    return torch.load(script.parent / "good" / "last.ckpt", weights_only=True)


def _modified(ck, edit):
    c = copy.deepcopy(ck)
    edit(c)
    return c


def _first_key(c):
    return next(iter(c["state_dict"]))


# (name, builds the object to save from the good checkpoint, words the one line must hold)
CASES = [
    ("bare_tensor", lambda ck: torch.zeros(3), "state_dict"),
    ("foo", lambda ck: {"foo": 1}, "state_dict"),
    ("list", lambda ck: [ck], "state_dict"),
    ("state_dict_not_dict", lambda ck: {**ck, "state_dict": torch.zeros(2)}, "state_dict"),
    ("extra_key", lambda ck: _modified(ck, lambda c: c["state_dict"].update({"extra.weight": torch.zeros(1)})), "extra.weight"),
    ("missing_key", lambda ck: _modified(ck, lambda c: c["state_dict"].pop(_first_key(c))), "net.0.weight"),
    ("wider_model", lambda ck: _modified(ck, lambda c: c["state_dict"].update({_first_key(c): torch.zeros(64, 8)})), "size mismatch"),
    ("wrong_dtype_value", lambda ck: _modified(ck, lambda c: c["state_dict"].update({_first_key(c): 3})), "net.0.weight"),
    ("empty_optimizer_states", lambda ck: {**ck, "optimizer_states": []}, "optimizer_states"),
    ("no_optimizer_states", lambda ck: {k: v for k, v in ck.items() if k != "optimizer_states"}, "optimizer_states"),
    ("optimizer_state_not_dict", lambda ck: {**ck, "optimizer_states": [1]}, "optimizer_states[0]"),
    ("optimizer_state_foreign", lambda ck: {**ck, "optimizer_states": [{"x": 1}]}, "param_groups"),
    ("optimizer_groups_wrong", lambda ck: _modified(ck, lambda c: c["optimizer_states"][0]["param_groups"][0].update(params=[0])), "optimizer_states[0]"),
    ("epoch_string", lambda ck: {**ck, "epoch": "1"}, "epoch"),
    ("global_step_float", lambda ck: {**ck, "global_step": 1.5}, "global_step"),
    ("no_global_step", lambda ck: {k: v for k, v in ck.items() if k != "global_step"}, "global_step"),
    ("scheduler_bogus", lambda ck: {**ck, "lr_schedulers": [{"bogus": 1}]}, "bogus"),
    ("scheduler_value_bogus", lambda ck: _modified(ck, lambda c: c["lr_schedulers"][0].update(last_epoch="x")), "last_epoch"),
    ("scheduler_missing", lambda ck: {**ck, "lr_schedulers": []}, "lr_schedulers"),
    ("loops_bogus", lambda ck: {**ck, "loops": {"fit_loop": {"epoch_progress": 3}}}, "loops"),
    ("loops_empty", lambda ck: {**ck, "loops": {}}, "loops"),
]


def _resume_in_process(module, ckpt, out_dir, capsys):
    """The script's main() with --resume: (the SystemExit's message, what it printed)."""
    with pytest.raises(SystemExit) as exc:
        module.main(["--accelerator", "cpu", "--max-epochs", "2", "--out-dir", str(out_dir), "--resume", str(ckpt)])
    printed = capsys.readouterr()
    return exc.value.code, printed


def _assert_one_line_refusal(message, printed, out_dir, words):
    assert isinstance(message, str), f"exit {message!r}: not a message (exit 1 with one line)"
    assert "\n" not in message.strip() and message.strip(), message
    assert words in message, message
    assert "Traceback" not in printed.err
    assert "epoch 0 done" not in printed.err and "epoch 1 done" not in printed.err, printed.err  # nothing trained
    assert not (out_dir / "last.ckpt").exists()


@pytest.mark.parametrize("name,build,words", CASES, ids=[c[0] for c in CASES])
def test_a_checkpoint_that_does_not_fit_stops_with_one_line(script, module, tmp_path, capsys, name, build, words):
    ckpt = tmp_path / f"{name}.ckpt"
    torch.save(build(good(script)), ckpt)
    message, printed = _resume_in_process(module, ckpt, tmp_path / "out", capsys)
    _assert_one_line_refusal(message, printed, tmp_path / "out", words)


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.3, 0.5, 0.9, 0.999])
def test_a_truncated_checkpoint_stops_with_one_line(script, module, tmp_path, capsys, fraction):
    data = (script.parent / "good" / "last.ckpt").read_bytes()
    ckpt = tmp_path / "truncated.ckpt"
    ckpt.write_bytes(data[: int(len(data) * fraction)])
    message, printed = _resume_in_process(module, ckpt, tmp_path / "out", capsys)
    _assert_one_line_refusal(message, printed, tmp_path / "out", str(ckpt))


def test_flipped_bytes_never_give_a_traceback(script, module, tmp_path, capsys):
    """Damage inside the file: either it still loads (a tensor's bytes changed) or one line."""
    data = bytearray((script.parent / "good" / "last.ckpt").read_bytes())
    for i, at in enumerate(range(0, len(data), max(1, len(data) // 12))):
        damaged = bytearray(data)
        damaged[at] ^= 0xFF
        ckpt = tmp_path / f"flip{i}.ckpt"
        ckpt.write_bytes(bytes(damaged))
        out = tmp_path / f"out{i}"
        try:
            module.main(["--accelerator", "cpu", "--max-epochs", "1", "--out-dir", str(out), "--resume", str(ckpt)])
        except SystemExit as exc:
            _assert_one_line_refusal(exc.code, capsys.readouterr(), out, "")
        else:
            capsys.readouterr()


def test_the_refusal_exits_1_as_a_process(script, tmp_path):
    ckpt = tmp_path / "foo.ckpt"
    torch.save({"foo": 1}, ckpt)
    r = python([str(script), "--accelerator", "cpu", "--out-dir", str(tmp_path / "out"), "--resume", str(ckpt)], cwd=tmp_path, env=ENV, preload=SCRIPT_PRELOAD)
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "state_dict" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_the_good_checkpoint_still_resumes(script, module, tmp_path, capsys):
    module.main(["--accelerator", "cpu", "--max-epochs", "2", "--out-dir", str(tmp_path / "out"), "--resume", str(script.parent / "good" / "last.ckpt")])
    resumed = torch.load(tmp_path / "out" / "last.ckpt", weights_only=True)
    assert (resumed["epoch"], resumed["global_step"]) == (2, 32)


# -- item 12: saves into a shared folder ------------------------------------------------------


def _temps(folder):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.endswith(".tmp"))


def _tiny_state(module):
    model = torch.nn.Linear(2, 1)

    class Loop:
        current_epoch, global_step, optimizers, lr_schedulers, scaler = 0, 0, [], [], None

    model.hparams = {}
    return model, Loop()


def test_an_interrupted_save_leaves_the_old_checkpoint_and_no_temp_file(module, tmp_path, monkeypatch):
    model, loop = _tiny_state(module)
    path = str(tmp_path / "last.ckpt")
    module.save_checkpoint(path, model, loop)
    before = (tmp_path / "last.ckpt").read_bytes()
    real_save = torch.save

    def killed(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        raise KeyboardInterrupt  # after the bytes, before the rename

    monkeypatch.setattr(torch, "save", killed)
    loop.global_step = 5
    with pytest.raises(KeyboardInterrupt):
        module.save_checkpoint(path, model, loop)
    assert _temps(tmp_path) == []
    assert (tmp_path / "last.ckpt").read_bytes() == before


def test_stale_temps_of_dead_processes_are_removed_live_ones_kept(module, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    node = os.uname().nodename
    stale = tmp_path / f"last.ckpt.{node}.{dead.pid}.tmp"
    live = tmp_path / f"last.ckpt.{node}.{os.getppid()}.tmp"  # a process that runs: may be saving
    other_host = tmp_path / f"last.ckpt.elsewhere-{node}.{dead.pid}.tmp"
    for p in (stale, live, other_host):
        p.write_bytes(b"partial")
    model, loop = _tiny_state(module)
    module.save_checkpoint(str(tmp_path / "last.ckpt"), model, loop)
    assert _temps(tmp_path) == sorted([live.name, other_host.name])
    assert torch.load(tmp_path / "last.ckpt", weights_only=True)["global_step"] == 0


def test_two_runs_into_one_out_dir(script, tmp_path):
    """Both finish, the checkpoint loads, no temp file is left behind."""
    out = tmp_path / "shared"
    cmd = [sys.executable, str(script), "--accelerator", "cpu", "--out-dir", str(out)]
    runs = [subprocess.Popen([*cmd, "--seed", str(seed)], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    for r in runs:
        _, err = r.communicate(timeout=300)
        assert r.returncode == 0, err
    assert _temps(out) == []
    assert torch.load(out / "last.ckpt", weights_only=True)["global_step"] == 16
