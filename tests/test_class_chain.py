"""The model's classes in Python's MRO order, computed statically (lgen.inspect.class_chain),
are the order Python itself gives: checked against `type.__mro__` of the same classes (the test
runs the hierarchy without Lightning: LightningModule stands in as a plain class)."""

import libcst as cst
import pytest
from lgen.inspect import class_chain, import_map

HIERARCHIES = {
    "single": "class Base(L.LightningModule): pass\nclass Model(Base): pass\n",
    "two_levels_and_mixin": (
        "class Mixin: pass\nclass Base(L.LightningModule, abc.ABC): pass\n"
        "class Mid(Base): pass\nclass Model(Mixin, Mid): pass\n"
    ),
    "diamond": (
        "class Base(L.LightningModule): pass\nclass Left(Base): pass\nclass Right(Base): pass\n"
        "class Model(Left, Right): pass\n"
    ),
    "mixins_with_bases": (
        "class Hooks: pass\nclass MoreHooks(Hooks): pass\nclass Other: pass\n"
        "class Base(Other, L.LightningModule): pass\nclass Model(MoreHooks, Base, Hooks): pass\n"
    ),
    "alias": "class Base(L.LightningModule): pass\nTask = Base\nclass Model(Task): pass\n",
    "lightning_first": "class M1: pass\nclass M2(M1): pass\nclass Model(L.LightningModule, M2, M1): pass\n",
}


def _python_mro(source: str) -> list[str]:
    import abc

    class LightningModule:
        pass

    L = type("L", (), {"LightningModule": LightningModule})
    scope = {"L": L, "abc": abc}
    exec(compile(source, "<hierarchy>", "exec"), scope)
    return [c.__name__ for c in scope["Model"].__mro__ if c.__name__ in {n for n in scope if isinstance(scope[n], type)} - {"L"}]


@pytest.mark.parametrize("name", sorted(HIERARCHIES))
def test_chain_is_pythons_mro(name):
    source = "import abc\nimport lightning as L\n" + HIERARCHIES[name]
    module = cst.parse_module(source)
    cls = next(s for s in module.body if isinstance(s, cst.ClassDef) and s.name.value == "Model")
    chain, problem = class_chain(module, import_map(module), cls)
    assert problem is None
    assert [c.name.value for c in chain] == _python_mro(HIERARCHIES[name])


def test_bases_python_cannot_order_are_a_problem():
    source = "import lightning as L\nclass A: pass\nclass B(A): pass\nclass Model(A, B, L.LightningModule): pass\n"
    with pytest.raises(TypeError):
        _python_mro(source.split("\n", 1)[1])
    module = cst.parse_module(source)
    cls = module.body[-1]
    _, problem = class_chain(module, import_map(module), cls)
    assert problem is not None and "MRO" in problem[2]
