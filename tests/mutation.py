"""Mutation check (issue 19): does the test suite catch a wrong loop, not only a golden text diff?

Each mutation is a named, realistic behaviour change to the templates or to lgen/. For each one
this script copies the working tree to a temporary folder, applies the change there, regenerates
the golden files (``pytest tests/test_golden.py --update-golden``, as a developer accepting the
diff would), then runs the tests named for it (equivalence tests against the real Lightning
Trainer; ``--full`` runs the whole equivalence set instead) and reports the first test that
failed. It exits 1 if any mutation survives (no test failed), or if the unmutated copy does not
pass the same tests.

Run on demand, not in CI (minutes per mutation)::

    .venv/bin/python tests/mutation.py                 # all mutations
    .venv/bin/python tests/mutation.py toggle_freezes_nothing epoch_sched_after_validation
    .venv/bin/python tests/mutation.py --list
    .venv/bin/python tests/mutation.py --no-golden     # skip regenerating goldens (faster)

The equivalence tests eject every golden case afresh, so a change is caught whether or not the
goldens were regenerated; regenerating them is what makes the golden byte diff go away.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the equivalence tests (``--full``): every test that compares a run with Lightning's
EQUIVALENCE = [
    "tests/test_equivalence.py",
    "tests/test_error_cases.py",
    "tests/test_resume.py",
    "tests/test_runtime_schedulers.py",
    "tests/test_precision.py",
    "tests/test_manual.py",
    "tests/test_optimizer_step.py",
    "tests/test_log_checks.py",
    "tests/test_variants.py",
    "tests/test_ddp.py",
]


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    file: str  # relative to the repo root
    edits: tuple[tuple[str, str], ...]  # (old, new): every occurrence of old must exist
    tests: tuple[str, ...]  # pytest arguments: files / node ids, and "-k EXPR" as two items
    gpu: bool = False  # only observable on CUDA (skipped without one)


def _m(name, what, file, edits, *tests, gpu=False):
    return Mutation(name, what, file, tuple(edits), tuple(tests), gpu)


EQ = "tests/test_equivalence.py"
EPOCH_SCHED_BLOCK = """{% for s in plan.epoch_schedulers %}
        # before on_train_batch_end and validation
        if {{ unknown_not_plateau(s) }}is_last{{ " and (loop.current_epoch + 1) %% %d == 0" % s.frequency if s.frequency != 1 else "" }}:
            {{ step_scheduler(s) }}
{% endfor %}
"""
PLATEAU_STEP_LOOP = "{% for s in plan.plateau_step_schedulers %}\n        # after validation: it monitors a metric\n"

MUTATIONS: list[Mutation] = [
    # ---- the five that passed every equivalence test before issue 19
    _m("toggle_freezes_nothing", "toggle_optimizer leaves every parameter's requires_grad as it was",
       "templates/state.py.jinja", [("                        param.requires_grad = False\n", "                        pass\n")],
       EQ, "-k", "toggle_leak or toggle"),
    _m("bf16_validation_no_autocast", "no autocast around validation_step under bf16-mixed",
       "templates/validate.py.jinja",
       [("        with step_context(loop):\n            {{ assign }}{{ vs_call }}", "        if True:\n            {{ assign }}{{ vs_call }}")],
       EQ, "-k", "autocast_val or bf16"),
    _m("resume_no_weights", "--resume does not load the model's weights",
       "templates/ckpt.py.jinja", [('    model.load_state_dict(checkpoint["state_dict"])\n', "")],
       "tests/test_resume.py"),
    _m("plateau_strict_no_raise", "a strict ReduceLROnPlateau skips a missing metric instead of raising",
       "templates/step.py.jinja", [("        if strict:\n            raise RuntimeError(", "        if False:\n            raise RuntimeError(")],
       "tests/test_error_cases.py", "-k", "plateau"),
    _m("epoch_sched_after_validation", "epoch-interval schedulers stepped after validation, not before on_train_batch_end",
       "templates/step.py.jinja", [(EPOCH_SCHED_BLOCK, ""), (PLATEAU_STEP_LOOP, EPOCH_SCHED_BLOCK + PLATEAU_STEP_LOOP)],
       EQ, "-k", "lr_read or epoch_sched"),
    # ---- the seven the audit saw caught
    _m("accumulation_no_divisor", "the loss is not divided by accumulate_grad_batches",
       "templates/step.py.jinja", [("/ ACCUMULATE_GRAD_BATCHES", "/ 1")],
       EQ, "-k", "accum"),
    _m("short_last_window_dropped", "the epoch's last, short accumulation window does not step",
       "templates/step.py.jinja", [("% ACCUMULATE_GRAD_BATCHES == 0 or is_last", "% ACCUMULATE_GRAD_BATCHES == 0")],
       EQ, "-k", "accum3"),
    _m("step_sched_mid_window", "step-interval schedulers also stepped on accumulating batches",
       "templates/step.py.jinja",
       [("            closure()  # accumulate: no step, no zero_grad, no schedulers\n",
         "            closure()  # accumulate: no step, no zero_grad, no schedulers\n"
         "{% for s in plan.step_schedulers if s.plateau == false %}\n            {{ s.name }}.step()\n{% endfor %}\n")],
       EQ, "-k", "steplr_accum or onecycle_accum or step_lr_read_accum"),
    _m("manual_global_step_uncounted", "manual optimization: opt.step() is not counted in global_step",
       "templates/state.py.jinja", [("        self.global_step += 1\n        return output\n{% endif %}\n{% if \"toggle_optimizer\"",
                                     "        return output\n{% endif %}\n{% if \"toggle_optimizer\"")],
       EQ, "-k", "manual"),
    _m("fp16_clip_before_unscale", "16-mixed on CUDA: gradients clipped before they are unscaled",
       "templates/state.py.jinja",
       [("            if not getattr(optimizer, \"_step_supports_amp_scaling\", False):\n                self.scaler.unscale_(optimizer)\n", "")],
       "tests/test_gpu.py", gpu=True),
    _m("check_header_only", "`lgen eject --check` compares the scripts' headers only",
       "lgen/cli.py", [("same = old is not None and vendor.comparable(old) == vendor.comparable(new)",
                        "same = old is not None and old.splitlines()[:3] == new.splitlines()[:3]")],
       "tests/test_vendor.py", "tests/test_cli_errors.py", "-k", "check"),
    _m("ddp_no_set_epoch", "DDP: the DistributedSampler is not told the epoch (same shuffle every epoch)",
       "templates/ddp.py.jinja", [("            sampler.set_epoch(epoch)\n", "            sampler.set_epoch(0)\n")],
       EQ, "-k", "ddp"),
    # ---- more
    _m("sanity_check_draws_rng", "the sanity check runs outside isolated_rng (its iter() draws from the RNG)",
       "templates/fit.py.jinja", [("        with isolated_rng():\n", "        if True:\n")],
       EQ, "-k", "rng_dataset or baseline"),
    _m("max_steps_off_by_one", "max_steps stops one step late",
       "templates/fit.py.jinja", [("loop.global_step >= loop.max_steps", "loop.global_step > loop.max_steps")],
       EQ, "-k", "max_steps"),
    _m("clip_norm_type_1", "gradient_clip_val clips the 1-norm instead of the 2-norm",
       "templates/step.py.jinja", [("clip_grad_norm_(optimizer_params(optimizer), GRADIENT_CLIP_VAL)",
                                    "clip_grad_norm_(optimizer_params(optimizer), GRADIENT_CLIP_VAL, norm_type=1.0)")],
       EQ, "-k", "clip"),
    _m("log_no_step_suffix", "self.log(on_step=True, on_epoch=True) records `name` instead of `name_step`",
       "templates/state.py.jinja", [('self.callback_metrics[f"{name}_step" if on_epoch else name] = value',
                                     "self.callback_metrics[name] = value")],
       EQ, "-k", "logging_plateau or log_dict or shared_log or epoch_lr_read"),
    _m("hparams_not_saved", "the checkpoint's hyper_parameters are empty",
       "templates/ckpt.py.jinja", [('"hyper_parameters": dict(model.hparams),', '"hyper_parameters": {},')],
       EQ, "-k", "hparams"),
    _m("validation_not_eval", "validation runs with the model in training mode",
       "templates/validate.py.jinja", [("{% else %}\n    model.eval()\n{% endif %}", "{% else %}\n    pass\n{% endif %}")],
       EQ, "-k", "batchnorm or hparams or test_matches_lightning"),
    _m("metrics_kept_after_sanity", "callback_metrics not reset after the sanity check",
       "templates/fit.py.jinja", [("        loop.callback_metrics.clear()  # Lightning resets its metrics after the sanity check\n", "")],
       EQ, "-k", "val_every or plateau or vci"),
    _m("sanity_check_one_batch_more", "the sanity check validates one batch more than num_sanity_val_steps",
       "templates/fit.py.jinja", [("validate(model, loop, max_batches=NUM_SANITY_VAL_STEPS)",
                                   "validate(model, loop, max_batches=NUM_SANITY_VAL_STEPS + 1)")],
       EQ, "-k", "val_count or rng_dataset or hooks or sanity"),
    _m("train_mode_not_restored", "after validation, every submodule stays in eval mode",
       "templates/validate.py.jinja", [("        module.training = training\n", "        pass\n")],
       EQ, "-k", "batchnorm or hooks or baseline"),
    _m("val_check_off_by_one", "validation within an epoch runs one batch early",
       "templates/step.py.jinja", [("else ({{ counter }} + 1) % loop.val_check_batch == 0",
                                    "else {{ counter }} % loop.val_check_batch == 0")],
       EQ, "-k", "vci"),
    _m("zero_grad_every_batch", "accumulation: gradients zeroed on every batch, not on a window's first",
       "templates/step.py.jinja", [("            if batch_idx % ACCUMULATE_GRAD_BATCHES == 0:\n", "            if True:\n")],
       EQ, "-k", "accum"),
]
# ---- resume ("3 epochs, resume to 6" against Lightning's fit(ckpt_path=...)): caught only by
# test_three_epochs_resumed_to_six_match_lightning (the other resume tests have one optimizer,
# automatic optimization, 32-true, one process)
RESUME_CHAIN = "tests/test_resume.py::test_three_epochs_resumed_to_six_match_lightning"
LOAD_STATE = "        try:\n            obj.load_state_dict(state)\n"
MUTATIONS += [
    _m("resume_second_optimizer_dropped", "--resume restores the first optimizer's state only",
       "templates/ckpt.py.jinja",
       [(LOAD_STATE, '        if key == "optimizer_states" and index > 0:\n            continue\n' + LOAD_STATE)],
       RESUME_CHAIN, "-k", "manual_gan"),
    _m("resume_manual_schedulers_dropped", "--resume under manual optimization leaves the schedulers' states fresh",
       "templates/ckpt.py.jinja",
       [('    load_states(loop.lr_schedulers, checkpoint, "lr_schedulers")\n',
         '{% if plan.automatic %}\n    load_states(loop.lr_schedulers, checkpoint, "lr_schedulers")\n{% endif %}\n')],
       RESUME_CHAIN, "-k", "manual"),
    _m("resume_scaler_dropped", "--resume under 16-mixed starts a fresh GradScaler (scale 65536 again)",
       "templates/ckpt.py.jinja",
       [('        loop.scaler.load_state_dict(checkpoint["MixedPrecision"])\n', "        pass\n")],
       RESUME_CHAIN, "-k", "fp16"),
    _m("resume_ddp_rank0_only", "DDP --resume: only rank 0 loads the optimizer states",
       "templates/ckpt.py.jinja",
       [('    load_states(loop.optimizers, checkpoint, "optimizer_states")\n',
         '    if getattr(loop, "rank", 0) == 0:\n        load_states(loop.optimizers, checkpoint, "optimizer_states")\n')],
       RESUME_CHAIN, "-k", "ddp"),
]
BY_NAME = {m.name: m for m in MUTATIONS}
assert len(BY_NAME) == len(MUTATIONS)


def copy_tree(dest: Path) -> None:
    """The working tree (tracked and untracked files, not the venv or caches) into ``dest``."""
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", "lgen_out", ".mypy_cache", ".ruff_cache"}
    shutil.copytree(ROOT, dest, ignore=lambda d, names: [n for n in names if n in skip or n.endswith(".egg-info")])


def apply(mutation: Mutation, tree: Path) -> None:
    path = tree / mutation.file
    text = path.read_text()
    for old, new in mutation.edits:
        if old not in text:
            raise SystemExit(f"{mutation.name}: {mutation.file} no longer holds {old[:60]!r}: update the mutation")
        text = text.replace(old, new)
    path.write_text(text)


#: Lightning's runs, shared by every copy (tests/equivalence/lightning_cache.py); set in main()
LIGHTNING_CACHE: Path | None = None


def _pytest(tree: Path, args: list[str], junit: Path, timeout: float) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(tree / "tests")]), PYTHONDONTWRITEBYTECODE="1")
    cache = []
    if LIGHTNING_CACHE is not None:
        # a mutation changes lgen, never Lightning: each Lightning run is made once and reused
        env["LGEN_LIGHTNING_CACHE"] = str(LIGHTNING_CACHE)
        cache = ["-p", "equivalence.lightning_cache"]
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *cache, f"--junitxml={junit}", *args]
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "timed out"
    return done.returncode, done.stdout[-3000:] + done.stderr[-2000:]


def _failed_tests(junit: Path) -> list[str]:
    if not junit.exists():
        return []
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            out.append(f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}")
    return out


def _passed(junit: Path) -> int:
    if not junit.exists():
        return 0
    return sum(
        1 for c in ET.parse(junit).getroot().iter("testcase")
        if not any(c.find(t) is not None for t in ("failure", "error", "skipped"))
    )  # fmt: skip


def _tests(mutation: Mutation, full: bool) -> list[str]:
    return list(EQUIVALENCE) if full else list(mutation.tests)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="mutations to run (default: all)")
    p.add_argument("--list", action="store_true", help="list the mutations and exit")
    p.add_argument("--full", action="store_true", help="run every equivalence test for each mutation")
    p.add_argument("--no-golden", action="store_true", help="do not regenerate the goldens in the copy")
    p.add_argument("--no-baseline", action="store_true", help="skip the run of the tests on the unmutated copy")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per pytest run")
    p.add_argument("--keep", help="keep the copies under this folder")
    p.add_argument("--cache", help="folder for Lightning's runs, reused across mutations and invocations"
                   " (default: a fresh one under the copies' folder)")
    p.add_argument("--no-cache", action="store_true", help="run Lightning afresh in every test")
    args = p.parse_args(argv)
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:32s} {m.file:28s} {m.what}")
        return 0
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        p.error(f"unknown mutations: {unknown} (see --list)")
    chosen = [BY_NAME[n] for n in args.names] if args.names else MUTATIONS
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lgen_mutation_"))
    root.mkdir(parents=True, exist_ok=True)
    global LIGHTNING_CACHE
    if not args.no_cache:
        LIGHTNING_CACHE = Path(args.cache) if args.cache else root / "lightning-cache"
        LIGHTNING_CACHE.mkdir(parents=True, exist_ok=True)

    if not args.no_baseline:
        clean = root / "unmutated"
        copy_tree(clean)
        for m in chosen:
            if m.gpu and not has_cuda:
                continue
            rc, out = _pytest(clean, _tests(m, args.full), clean / f"junit-{m.name}.xml", args.timeout)
            if rc != 0:
                print(f"BASELINE FAILS for {m.name}'s tests (rc {rc}): the check means nothing\n{out}")
                return 1
        print(f"unmutated copy: the tests of {len(chosen)} mutation(s) pass", flush=True)

    survivors, skipped = [], []
    for m in chosen:
        if m.gpu and not has_cuda:
            print(f"SKIPPED  {m.name:32s} (only observable on CUDA; no GPU here)", flush=True)
            skipped.append(m.name)
            continue
        t0 = time.monotonic()
        tree = root / m.name
        copy_tree(tree)
        apply(m, tree)
        if not args.no_golden:
            _pytest(tree, ["tests/test_golden.py", "--update-golden"], tree / "junit-golden.xml", args.timeout)
        junit = tree / "junit.xml"
        rc, out = _pytest(tree, _tests(m, args.full), junit, args.timeout)
        failed = _failed_tests(junit)
        dt = time.monotonic() - t0
        if rc == 1 and failed:
            print(f"CAUGHT   {m.name:32s} by {failed[0]}  ({dt:.0f}s)", flush=True)
        elif rc == 0:
            print(f"SURVIVED {m.name:32s} {_passed(junit)} test(s) passed  ({dt:.0f}s)", flush=True)
            survivors.append(m.name)
        else:
            tail = re.sub(r"\s+", " ", out[-300:])
            print(f"ERROR    {m.name:32s} pytest rc {rc}: {tail}", flush=True)
            survivors.append(m.name)
        if not args.keep:
            shutil.rmtree(tree, ignore_errors=True)
    n = len(chosen) - len(skipped)
    print(f"{n - len(survivors)}/{n} mutations caught; survived: {survivors or 'none'}"
          + (f"; skipped (no GPU): {skipped}" if skipped else ""))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
