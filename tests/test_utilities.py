"""Lightning's small utilities (lgen/lightning_api.py UTILITIES) against Lightning 2.6.6: every
spelling lgen accepts names the object it stands for, and the script's plain definitions
(templates/utilities.py.jinja) do what Lightning's do. The run golden `run_lightning_utils`
proves them in a run (tests/test_runs.py)."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning.pytorch")

from lgen.lightning_api import UTILITIES  # noqa: E402
from lgen.render import environment  # noqa: E402


def _lightning(q: str):
    module, _, name = q.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("q", sorted(UTILITIES))
def test_every_spelling_names_the_utility(q):
    obj = _lightning(q)
    if UTILITIES[q] == "_TORCHVISION_AVAILABLE":
        assert type(obj).__name__ == "RequirementCache" and obj.requirement == "torchvision"
    else:
        assert obj.__name__ == UTILITIES[q]
    canonical = {
        "rank_zero_only": "lightning.pytorch.utilities.rank_zero_only",
        "rank_zero_info": "lightning.pytorch.utilities.rank_zero_info",
        "rank_zero_warn": "lightning.pytorch.utilities.rank_zero_warn",
        "rank_zero_debug": "lightning.fabric.utilities.rank_zero.rank_zero_debug",
        "MisconfigurationException": "lightning.pytorch.utilities.exceptions.MisconfigurationException",
        "seed_everything": "lightning.seed_everything",
        "grad_norm": "lightning.pytorch.utilities.grad_norm",
        "_TORCHVISION_AVAILABLE": "lightning.pytorch.utilities.imports._TORCHVISION_AVAILABLE",
        "cli_lightning_logo": "lightning.pytorch.cli_lightning_logo",
        "RequirementCache": "lightning_utilities.core.imports.RequirementCache",
        "module_available": "lightning_utilities.core.imports.module_available",
        "package_available": "lightning_utilities.core.imports.package_available",
        "compare_version": "lightning_utilities.core.imports.compare_version",
        "get_torchvision_model": "lightning.pytorch.utilities.model_helpers.get_torchvision_model",
    }[UTILITIES[q]]
    if not q.startswith(("pytorch_lightning", "lightning_fabric")):  # separate packages
        assert obj is _lightning(canonical)


def _helpers() -> dict:
    text = environment().get_template("utilities.py.jinja").render(utilities=set(UTILITIES.values()))
    namespace = {"torch": torch, "functools": functools, "os": os, "logging": logging, "warnings": warnings, "importlib": importlib}
    exec(compile(text, "utilities.py", "exec"), namespace)
    return namespace


def test_grad_norm_is_lightnings():
    from lightning.pytorch.utilities import grad_norm

    ours = _helpers()["grad_norm"]
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    net[2].bias.requires_grad_(False)
    net(torch.randn(5, 3)).square().sum().backward()
    for norm_type, sep in ((2, "/"), ("inf", "."), (1.5, "/"), (1, "-")):
        a, b = grad_norm(net, norm_type, sep), ours(net, norm_type, sep)
        assert list(a) == list(b)
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert ours(torch.nn.Linear(2, 2), 2) == grad_norm(torch.nn.Linear(2, 2), 2) == {}
    with pytest.raises(ValueError) as theirs:
        grad_norm(net, 0)
    with pytest.raises(ValueError) as mine:
        ours(net, 0)
    assert str(theirs.value) == str(mine.value)


def test_rank_zero_only_is_lightnings():
    from lightning.pytorch.utilities import rank_zero_only as theirs

    ns = _helpers()
    ours = ns["rank_zero_only"]
    assert ours.rank == theirs.rank == 0  # no RANK in the test's environment
    calls = []

    def f(x, y=1):
        """doc"""
        calls.append((x, y))
        return x + y

    wrapped = ours(f, default=-1)
    assert (wrapped(1, y=2), wrapped.__doc__, wrapped.__name__) == (3, "doc", "f")
    ours.rank = 1
    try:
        assert wrapped(5) == -1 and ours(f)(5) is None and ns["rank_zero_warn"]("x") is None
    finally:
        ours.rank = 0
    assert calls == [(1, 2)]


def test_rank_zero_messages_are_lightnings(caplog):
    from lightning.pytorch.utilities import rank_zero_warn

    ns = _helpers()
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        rank_zero_warn("careful", category=RuntimeWarning)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        ns["rank_zero_warn"]("careful", category=RuntimeWarning)
    assert [(type(w.message), str(w.message)) for w in ours] == [(type(w.message), str(w.message)) for w in theirs]
    assert ours[0].filename == theirs[0].filename == __file__  # both point at the caller
    log = ns["RANK_ZERO_LOG"]
    assert log.getEffectiveLevel() == logging.getLogger("lightning.pytorch.utilities.rank_zero").getEffectiveLevel() == logging.INFO


def test_misconfiguration_exception():
    ours = _helpers()["MisconfigurationException"]
    assert issubclass(ours, Exception) and not issubclass(ours, (ValueError, RuntimeError))
    assert str(ours("bad")) == "bad"


def test_torchvision_available_and_logo_are_lightnings(capsys):
    import lightning.pytorch as pl
    from lightning.pytorch.utilities.imports import _TORCHVISION_AVAILABLE

    ns = _helpers()
    assert ns["_TORCHVISION_AVAILABLE"] is bool(_TORCHVISION_AVAILABLE)
    pl.cli_lightning_logo()
    theirs = capsys.readouterr().out
    ns["cli_lightning_logo"]()
    assert capsys.readouterr().out == theirs and "#####" in theirs


@pytest.mark.parametrize("name", ["torch", "yaml", "lgen_no_such_package", "lightning.pytorch"])
def test_requirement_cache_is_lightning_utilities(name):
    """A distribution installed (torch), a module whose distribution has another name (yaml, from
    PyYAML), nothing at all, a dotted module: the same truth and the same message."""
    from lightning_utilities.core.imports import RequirementCache

    ours = _helpers()["RequirementCache"](name)
    theirs = RequirementCache(name)
    assert (bool(ours), str(ours)) == (bool(theirs), str(theirs))


# a module of the standard library, an installed distribution, a module whose distribution has
# another name (yaml, from PyYAML), a dotted module and a dotted path that is no module, nothing
# at all, a package whose import fails in the middle (a namespace of none)
_MODULES = ["os", "torch", "yaml", "torch.nn.functional", "os.lgen_no_such", "lgen_no_such_package", "lgen_no_such.sub", "lightning.pytorch"]


@pytest.mark.parametrize("name", _MODULES)
def test_module_and_package_available_are_lightning_utilities(name):
    from lightning_utilities.core.imports import module_available, package_available

    ns = _helpers()
    assert ns["module_available"](name) is module_available(name)
    if "." not in name:  # (find_spec of a dotted name imports its parents: ModuleNotFoundError for a missing one)
        assert ns["package_available"](name) is package_available(name)
    assert ns["package_available"]("lgen_no_such.sub") is package_available("lgen_no_such.sub") is False


@pytest.mark.parametrize(
    "package, op, version, base",
    [
        ("torch", "ge", "1.10.0", False),
        ("torch", "lt", "1.10.0", False),
        ("torch", "eq", torch.__version__, False),
        ("torch", "eq", torch.__version__.split("+")[0], True),
        ("numpy", "gt", "1.0", False),
        ("yaml", "ge", "5.0", False),  # its module has `__version__`
        ("lgen_no_such_package", "ge", "0.0", False),
        ("lightning_utilities.core", "ge", "0.0", False),  # a module without `__version__` nor distribution
        ("lightning", "le", "2.6.6", False),
    ],
)
def test_compare_version_is_lightning_utilities(package, op, version, base):
    import operator

    from lightning_utilities.core.imports import compare_version

    ours = _helpers()["compare_version"](package, getattr(operator, op), version, use_base_version=base)
    assert ours is compare_version(package, getattr(operator, op), version, use_base_version=base)
