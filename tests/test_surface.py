"""lgen's static tables cover the installed Lightning's LightningModule, and every code is documented.

lgen never imports Lightning; this test does, to prove that nothing public on
`LightningModule` slips through lgen's tables unclassified.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
lightning_pytorch = pytest.importorskip("lightning.pytorch")

from lgen import diagnostics, lightning_api as api  # noqa: E402

LightningModule = lightning_pytorch.LightningModule
LGEN_DIR = Path(__file__).resolve().parents[1] / "lgen"

CATEGORIES = {
    "LOOP_HOOKS": api.LOOP_HOOKS,
    "INERT_HOOKS": api.INERT_HOOKS,
    "REJECTED_HOOKS": api.REJECTED_HOOKS,
    "NOOP_HOOKS": api.NOOP_HOOKS,
    "ATTRIBUTE_REWRITES": api.ATTRIBUTE_REWRITES,
    "METHOD_REWRITES": api.METHOD_REWRITES,
    "KEPT_ATTRIBUTES": api.KEPT_ATTRIBUTES,
    "REJECTED_MEMBERS": api.REJECTED_MEMBERS,
}


def lightning_only_members() -> set[str]:
    """Public members of LightningModule that torch.nn.Module does not have."""
    return {n for n in dir(LightningModule) if not n.startswith("_")} - set(dir(torch.nn.Module))


def overridden_module_members() -> set[str]:
    """Public nn.Module members that LightningModule (or its hook mixins) redefines."""
    return {
        n
        for n in dir(LightningModule)
        if not n.startswith("_")
        and hasattr(torch.nn.Module, n)
        and inspect.getattr_static(LightningModule, n) is not inspect.getattr_static(torch.nn.Module, n)
    }


def test_member_table_matches_installed_lightning():
    installed = lightning_only_members()
    missing = sorted(installed - api.LIGHTNING_MODULE_MEMBERS)
    stale = sorted(api.LIGHTNING_MODULE_MEMBERS - installed)
    assert not missing, f"LightningModule members missing from LIGHTNING_MODULE_MEMBERS: {missing}"
    assert not stale, f"LIGHTNING_MODULE_MEMBERS names members the installed Lightning lacks: {stale}"


@pytest.mark.parametrize("member", sorted(lightning_only_members()))
def test_every_member_is_classified(member):
    assert member in api.LIGHTNING_MODULE_MEMBERS
    where = [name for name, table in CATEGORIES.items() if member in table]
    assert where, f"`LightningModule.{member}` is not classified in lgen.lightning_api"


@pytest.mark.parametrize("member", sorted(overridden_module_members()))
def test_overridden_module_members_are_classified(member):
    where = [name for name, table in CATEGORIES.items() if member in table]
    assert where, f"`LightningModule.{member}` overrides nn.Module and is not classified in lgen.lightning_api"


def test_rejections_have_reasons():
    for table in (api.REJECTED_HOOKS, api.REJECTED_MEMBERS):
        for name, reason in table.items():
            assert isinstance(reason, str) and len(reason) > 10, name


def test_hook_tables_name_real_hooks():
    # every hook the loop calls or treats as inert is a method LightningModule really has
    for name in list(api.LOOP_HOOKS) + sorted(api.INERT_HOOKS) + sorted(api.NOOP_HOOKS):
        assert callable(getattr(LightningModule, name, None)), name
    for name in api.METHOD_REWRITES:
        assert callable(getattr(LightningModule, name, None)), name


def test_trainer_attributes_exist_on_trainer():
    trainer_cls = lightning_pytorch.Trainer
    for attr in api.TRAINER_ATTRIBUTES:
        assert hasattr(trainer_cls, attr) or attr in inspect.signature(trainer_cls.__init__).parameters, attr


def _is_noop(fn) -> bool:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    body = tree.body[0].body
    return all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body
    )


@pytest.mark.parametrize("hook", sorted(api.NOOP_HOOKS))
def test_noop_hooks_are_noops(hook):
    # `super().hook(...)` is dropped for these, so Lightning's default must do nothing
    assert _is_noop(getattr(LightningModule, hook)), f"LightningModule.{hook} is not a no-op"


def test_log_defaults_cover_loop_stages():
    assert set(api.LOOP_HOOKS.values()) <= set(api.LOG_DEFAULTS)


def test_lightning_module_names():
    import lightning

    for q in api.LIGHTNING_MODULE_NAMES:
        if q.startswith("pytorch_lightning"):
            continue  # a separate package; the name is kept for models written against it
        obj = __import__(q.split(".")[0])
        for part in q.split(".")[1:]:
            if not hasattr(obj, part):
                obj = __import__(f"{obj.__name__}.{part}", fromlist=["_"])
            else:
                obj = getattr(obj, part)
        assert obj is LightningModule, q
    assert lightning.LightningModule is LightningModule


# ---------------------------------------------------------------------------------------------
# diagnostic codes


def used_codes() -> set[str]:
    found = set()
    for f in sorted(LGEN_DIR.glob("*.py")):
        if f.name == "diagnostics.py":
            continue
        found |= set(re.findall(r"LGEN\d{3}", f.read_text(encoding="utf-8")))
    return found


def test_every_used_code_is_registered():
    missing = sorted(used_codes() - set(diagnostics.CODES))
    assert not missing, f"codes used in lgen/ but missing from diagnostics.CODES: {missing}"


@pytest.mark.parametrize("code", sorted(diagnostics.CODES))
def test_code_entry_is_documented(code):
    c = diagnostics.CODES[code]
    assert c.code == code
    assert re.fullmatch(r"LGEN[1-5]\d\d", code)
    assert c.title.strip() and c.explain.strip()
    text = diagnostics.explain(code)
    assert text is not None and code in text and c.explain in text
    assert diagnostics.explain(code.lower()) == text
