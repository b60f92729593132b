"""A decorated model class ejects only where the decorator provably returns the class itself
(inspect.py `keeps_class`); any other decorator stays LGEN113 (faithful or loud)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from lgen.inspect import keeps_class

FACTORY = '''
import functools
import inspect


def under_review():
    def decorator(obj, feature_name=None):
        if feature_name is None:
            feature_name = obj.__qualname__
        if inspect.isclass(obj):
            obj.__init__ = decorator(obj.__init__, feature_name=feature_name)
            obj.__doc__ = "x"
            return obj

        @functools.wraps(obj)
        def wrapper(*args, **kwargs):
            return obj(*args, **kwargs)

        return wrapper

    return decorator
'''


def _keeps(source: str, decorator: str) -> bool:
    module = cst.parse_module(textwrap.dedent(source) + f"\n\n@{decorator}\nclass Model:\n    pass\n")
    cls = module.body[-1]
    return keeps_class(module, cls.decorators[0])


KEPT = {
    "returns its parameter": ("def deco(cls):\n    return cls\n", "deco"),
    "sets the docstring": ("def deco(cls):\n    '''doc'''\n    cls.__doc__ = 'x'\n    return cls\n", "deco"),
    "a factory (bolts' under_review)": (FACTORY, "under_review()"),
    "a branch that falls through": ("def deco(cls, flag=None):\n    if flag is None:\n        flag = 1\n    else:\n        flag = 2\n    return cls\n", "deco"),
    "isinstance(cls, type)": ("def deco(c):\n    if isinstance(c, type):\n        return c\n    return None\n", "deco"),
}

REFUSED = {
    "imported, not read": ("from elsewhere import deco\n", "deco"),
    "sets a hook": ("def deco(cls):\n    cls.training_step = None\n    return cls\n", "deco"),
    "setattr": ("def deco(cls):\n    setattr(cls, 'x', 1)\n    return cls\n", "deco"),
    "__dict__": ("def deco(cls):\n    cls.__dict__['x']\n    return cls\n", "deco"),
    "passes the class on": ("def deco(cls):\n    register(cls)\n    return cls\n", "deco"),
    "returns another class": ("def deco(cls):\n    class Sub(cls):\n        pass\n    return Sub\n", "deco"),
    "returns None on a path": ("def deco(cls, f=0):\n    if f:\n        return None\n    return cls\n", "deco"),
    "rebinds the parameter": ("def deco(cls):\n    cls = other\n    return cls\n", "deco"),
    "an alias set through": ("def deco(cls):\n    c = cls\n    c.training_step = None\n    return cls\n", "deco"),
    "no return": ("def deco(cls):\n    cls.__doc__ = 'x'\n", "deco"),
    "a loop": ("def deco(cls):\n    for k in []:\n        pass\n    return cls\n", "deco"),
    "the name rebound": ("def deco(cls):\n    return cls\n\n\ndeco = other\n", "deco"),
    "a decorated decorator": ("@wrap\ndef deco(cls):\n    return cls\n", "deco"),
    "a lambda": ("deco = lambda cls: cls\n", "deco"),
    "a factory returning a module function": ("def inner(cls):\n    return cls\n\n\ndef deco():\n    return inner\n", "deco()"),
    "a factory doing more": ("def deco():\n    def inner(cls):\n        return cls\n\n    inner = other\n    return inner\n", "deco()"),
    "an attribute decorator": ("import m\n", "m.deco"),
    "needs a second argument": ("def deco(cls, name):\n    return cls\n", "deco"),
    # lgen plans from the class's `__init__` (automatic_optimization, save_hyperparameters):
    # a replacement must call the original with the same arguments
    "__init__ replaced": ("def deco(cls):\n    cls.__init__ = lambda self: None\n    return cls\n", "deco"),
    "__init__ wrapped, not called": (FACTORY.replace("return obj(*args, **kwargs)", "return None"), "under_review()"),
    "__init__ wrapped, arguments changed": (FACTORY.replace("return obj(*args, **kwargs)", "return obj(*args[:1], **kwargs)"), "under_review()"),
    "__init__ wrapped, arguments touched": (FACTORY.replace("def wrapper(*args, **kwargs):\n", "def wrapper(*args, **kwargs):\n            kwargs.clear()\n"), "under_review()"),
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_kept(name):
    assert _keeps(*KEPT[name])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name):
    assert not _keeps(*REFUSED[name])
