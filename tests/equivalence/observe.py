"""Run an ejected script exactly as ``python SCRIPT ARGS`` would, and record what it observed.

``python observe.py SCRIPT ARGS...`` runs SCRIPT as ``__main__`` (runpy, with ``sys.argv`` and
``sys.path[0]`` as CPython sets them for ``python SCRIPT ARGS``). The script is not changed and
has no test-only code path: this runner wraps ``torch.save`` so that, when the script writes its
training checkpoint (a dict with ``state_dict`` and ``global_step``), the ``loop`` it was saved
from (a local of ``save_checkpoint``) gives its ``callback_metrics``, which are written next to
the checkpoint as ``<checkpoint>.callback_metrics`` -- what Lightning's ``trainer.callback_metrics`` are at
the end of ``fit`` (the harness's Lightning side writes those, see ``harness._lightning_main``).
"""

import os
import runpy
import sys

METRICS_SUFFIX = ".callback_metrics"  # harness.METRICS_SUFFIX
ERROR_POINT_FILE = "error_point.json"  # harness.ERROR_POINT_FILE


def _cpu(metrics):
    return {k: (v.detach().cpu() if hasattr(v, "detach") else v) for k, v in metrics.items()}


def main() -> None:
    import torch

    save = torch.save

    def observed_save(obj, f, *args, **kwargs):
        save(obj, f, *args, **kwargs)
        if isinstance(obj, dict) and "state_dict" in obj and "global_step" in obj:
            frame = sys._getframe(1)
            loop = frame.f_locals.get("loop")
            if loop is not None and hasattr(loop, "global_step"):
                # the checkpoint's final path: save_checkpoint's `path` (it writes a temp file
                # object first, then renames), else the file name itself
                path = frame.f_locals.get("path")
                if not isinstance(path, str):
                    path = os.fspath(getattr(f, "name", f))
                # a script whose model never logs carries no logging machinery: nothing was logged
                save(_cpu(getattr(loop, "callback_metrics", {})), path + METRICS_SUFFIX)

    torch.save = observed_save
    script = os.path.abspath(sys.argv[1])
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(script)
    try:
        runpy.run_path(script, run_name="__main__")
    except BaseException as exc:
        _record_error_point(exc, sys.argv)
        raise


def _record_error_point(exc, argv) -> None:
    """Where a failing run stood when it raised: the innermost ``loop`` local's counters, in
    ``OUT_DIR/error_point.json`` (the harness's Lightning side writes the Trainer's)."""
    import json

    if isinstance(exc, SystemExit) and exc.code in (0, None) or "--out-dir" not in argv:
        return
    loop = None
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("loop")
        if candidate is not None and hasattr(candidate, "global_step"):
            loop = candidate
        tb = tb.tb_next
    if loop is None:
        return
    out_dir = argv[argv.index("--out-dir") + 1]
    os.makedirs(out_dir, exist_ok=True)
    point = {"global_step": loop.global_step, "current_epoch": loop.current_epoch}
    with open(os.path.join(out_dir, ERROR_POINT_FILE), "w") as f:
        json.dump(point, f)


if __name__ == "__main__":
    main()
