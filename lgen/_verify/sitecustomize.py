"""`lgen verify`'s reach into the other ranks of a DDP run (package data, never imported by lgen).

`lgen verify` copies this file alone into a folder of its own and puts that folder first on
`PYTHONPATH` for both sides, with `LGEN_VERIFY_CHILD` naming the recorder, the file a rank runs
and the side's recording. Every Python process of a side reads this file at start-up (`site`
imports `sitecustomize`), and the environment reaches the ranks that Lightning's launcher
(`python ENTRY ARGS` again) or torchrun (`python -u SCRIPT ARGS`) start. In a process that runs
that file, the recorder runs it instead, recorded as the first rank is, and the process ends
there; every other process (torchrun's agent, DataLoader workers, ...) only goes on to the
`sitecustomize` / `usercustomize` it would have read without lgen. The user's files are not
touched.
"""

import os
import sys


def _chain():
    """The environment's own sitecustomize (and usercustomize), as `site` would have run them."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    # importlib takes sys.modules["sitecustomize"] after this file ran: the other one, if any
    me = sys.modules.pop("sitecustomize")
    for entry in list(sys.path):
        if os.path.abspath(entry or os.curdir) == here:
            continue
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", [entry])
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            sys.modules["sitecustomize"] = module
            try:
                spec.loader.exec_module(module)
            except Exception as e:  # what `site` does with a failing sitecustomize
                print(f"Error in sitecustomize; set PYTHONVERBOSE for traceback:\n{type(e).__name__}: {e}", file=sys.stderr)
            return
    sys.modules["sitecustomize"] = me


def _main():
    import json

    config = json.loads(os.environ["LGEN_VERIFY_CHILD"])
    argv0 = sys.argv[0] if sys.argv else ""
    if not argv0 or argv0 in ("-c", "-m") or os.path.realpath(argv0) != config["argv0"]:
        return
    import importlib
    import importlib.util
    import site

    if getattr(site, "ENABLE_USER_SITE", False):
        try:  # site would import it next; the run ends here
            importlib.import_module("usercustomize")
        except ImportError:
            pass

    spec = importlib.util.spec_from_file_location("_lgen_verify_recorder", config["recorder"])
    recorder = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = recorder
    spec.loader.exec_module(recorder)
    recorder.child(config["config"])


_chain()
if os.environ.get("LGEN_VERIFY_CHILD"):
    _main()
