"""Models that hide Lightning calls from static analysis (issue 18 item 9): lgen refuses them with
a located LGEN113 instead of writing a script that crashes or trains differently; ordinary
dynamic code (getattr of the user's own attribute, getattr on other objects) still ejects."""

from pathlib import Path

import pytest
from equivalence.zygote import LGEN_PRELOAD, python

from lgen.inspect import inspect_model

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "golden" / "baseline" / "model.py").read_text()
STEP = '        self.log("train_loss", loss)\n'
INIT = "        super().__init__()\n"
assert STEP in BASE and INIT in BASE


def in_step(code):
    return BASE.replace(STEP, STEP + "".join(f"        {line}\n" for line in code.splitlines()))


def in_init(code):
    return BASE.replace(INIT, INIT + "".join(f"        {line}\n" for line in code.splitlines()))


HIDDEN = [
    ("getattr_concat", in_step('getattr(self, "lo" + "g")("other", loss)'), "getattr"),
    ("getattr_fstring_may_be_lightning", in_step('for part in ["g"]:\n    getattr(self, f"lo{part}")("other", loss)'), "getattr"),
    ("getattr_variable", in_step('name = "log"\ngetattr(self, name)("other", loss)'), "getattr"),
    ("getattr_lightning_literal", in_step('getattr(self, "log")("other", loss)'), "getattr"),
    ("getattr_trainer_literal", in_step('t = getattr(self, "trainer", None)'), "getattr"),
    ("setattr_variable", in_init('name = "automatic_optimization"\nsetattr(self, name, False)'), "setattr"),
    ("eval", in_step('eval("self.log(\'other\', loss)")'), "eval"),
    ("exec_automatic_optimization", in_init('exec("self.automatic_optimization = False")'), "exec"),
    ("dunder_dict", in_init('self.__dict__["automatic_optimization"] = False'), "__dict__"),
    ("vars_self", in_init('vars(self).update(automatic_optimization=False)'), "vars"),
    ("object_setattr", in_init('object.__setattr__(self, "automatic_optimization", False)'), "object.__setattr__"),
    ("type_self_assign", in_init('type(self).training_step = lambda s, b, i: None'), "assigned outside"),
    ("async_training_step", BASE.replace("    def training_step(", "    async def training_step("), "async def"),
    ("hook_replaced_at_module_level", BASE + "\n\nBaselineModel.training_step = lambda self, batch, batch_idx: None\n", "assigned outside"),
    ("setattr_at_module_level", BASE + '\n\nsetattr(BaselineModel, "training_step", lambda self, b, i: None)\n', "setattr"),
    ("hook_replaced_in_a_function", BASE + "\n\ndef patch():\n    BaselineModel.configure_optimizers = None\n", "assigned outside"),
    ("exec_at_module_level", BASE + '\n\nexec("BaselineModel.automatic_optimization = False")\n', "exec"),
]


@pytest.mark.parametrize("name, source, words", HIDDEN, ids=[h[0] for h in HIDDEN])
def test_hidden_lightning_use_is_refused_where_it_is(name, source, words):
    facts, diags, usage = inspect_model("model.py", source, None)
    found = [d for d in diags if d.code == "LGEN113"]
    assert found and words in found[0].message, [(d.code, d.message) for d in diags]
    d = found[0]
    lines = source.splitlines()
    assert d.line > 1 and lines[d.line - 1].strip(), d  # located on the construct's line
    # the construct starts there
    assert any(w in lines[d.line - 1] for w in (words.split(".")[0].split()[0], "training_step", "configure_optimizers")), lines[d.line - 1]


FINE = [
    ("getattr_own_attribute", in_step('net = getattr(self, "net")')),
    ("getattr_own_attribute_default", in_step('extra = getattr(self, "extra", None)')),
    ("getattr_on_a_module", in_step('act = getattr(F, "relu")\nname = "mse_loss"\nloss2 = getattr(F, name)(self(x), y)')),
    ("setattr_on_another_object", in_init('import types\nns = types.SimpleNamespace()\nname = "a"\nsetattr(ns, name, 1)')),
    ("getattr_fstring_own_layers", in_init('for i in range(2):\n    setattr(self, f"layer_{i}", nn.Linear(8, 8))\nfirst = getattr(self, f"layer_{0}")')),
    ("hasattr_self", in_step('if hasattr(self, "lo" + "g"):\n    pass')),
    ("other_class_assigned_at_module_level", BASE + "\n\nclass Other:\n    pass\n\n\nOther.x = 1\n"),
    ("own_attribute_assigned_in_method", in_init("self.extra = None")),
]


@pytest.mark.parametrize("name, source", FINE, ids=[f[0] for f in FINE])
def test_ordinary_dynamic_code_is_not_refused(name, source):
    facts, diags, usage = inspect_model("model.py", source, None)
    assert facts is not None and not [d for d in diags if d.code == "LGEN113"], [(d.code, d.message) for d in diags]


def test_the_cli_refuses_and_writes_nothing(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(HIDDEN[0][1])
    out = tmp_path / "train.py"
    r = python(["-m", "lgen", "eject", model, "-o", out], cwd=tmp_path, preload=LGEN_PRELOAD)
    assert r.returncode == 1, r.stderr
    assert "model.py:" in r.stderr and "LGEN113" in r.stderr, r.stderr
    assert not out.exists()
    r = python(["-m", "lgen", "explain", "LGEN113"], cwd=tmp_path, preload=LGEN_PRELOAD)
    assert r.returncode == 0 and "getattr" in r.stdout


def in_class(code):
    return BASE.replace("    def forward(", "".join(f"    {line}\n" for line in code.splitlines()) + "\n    def forward(")


# Hostile variants of the constructs above (issue 18: "hostile inputs your tests have never seen"):
# the same hiding reached another way. (name, source, words of the message, text on its line)
HIDDEN_MORE = [
    ("builtins_eval", in_step('import builtins\nbuiltins.eval("self.log(\'other\', loss)")'), "eval", "builtins.eval"),
    ("dunder_import_eval", in_step('__import__("builtins").eval("self.log(\'other\', loss)")'), "eval", "__import__"),
    ("builtins_dict_eval", in_step('__builtins__["eval"]("self.log(\'other\', loss)")'), "__builtins__", "__builtins__"),
    ("eval_under_another_name", in_step('run = eval\nrun("self.log(\'other\', loss)")'), "eval", "run = eval"),
    ("exec_imported_as", "from builtins import exec as run\n" + in_init('run("self.automatic_optimization = False")'), "exec", "import exec as run"),
    ("builtins_getattr", in_step('import builtins\nbuiltins.getattr(self, "lo" + "g")("other", loss)'), "getattr", "builtins.getattr"),
    ("getattr_under_another_name", in_step('g = getattr\ng(self, "lo" + "g")("other", loss)'), "getattr", "g = getattr"),
    ("getattr_walrus", in_step('(g := getattr)(self, "lo" + "g")("other", loss)'), "getattr", "g := getattr"),
    ("getattr_partial", in_step('import functools\nfunctools.partial(getattr, self)("lo" + "g")("other", loss)'), "getattr", "partial(getattr"),
    ("operator_attrgetter", in_step('import operator\noperator.attrgetter("lo" + "g")(self)("other", loss)'), "attrgetter", "attrgetter"),
    ("operator_methodcaller", in_step('import operator\noperator.methodcaller("log", "other", loss)(self)'), "methodcaller", "methodcaller"),
    ("nn_module_setattr", in_init('nn.Module.__setattr__(self, "automatic_optimization", False)'), "__setattr__", "nn.Module.__setattr__"),
    ("setattr_replaces_own_hook", in_init('setattr(self, "training_step", lambda b, i: None)'), "training_step", "setattr(self"),
    ("setattr_class_of_self", in_init('setattr(self.__class__, "training_step", lambda s, b, i: None)'), "training_step", "setattr(self.__class__"),
    ("self_class_assigned", in_init('self.__class__ = type("X", (type(self),), {"automatic_optimization": False})'), "__class__", "self.__class__ ="),
    ("globals_patch", BASE + '\n\nglobals()["BaselineModel"].training_step = None\n', "globals", "globals()"),
    ("alias_patched", BASE + "\n\nM = BaselineModel\nM.training_step = lambda self, b, i: None\n", "assigned outside", "M.training_step"),
    ("alias_setattr", BASE + '\n\nM = BaselineModel\nsetattr(M, "automatic_optimization", False)\n', "automatic_optimization", "setattr(M"),
    ("patched_in_a_loop", BASE + "\n\nfor c in [BaselineModel]:\n    c.configure_optimizers = None\n", "iterated", "for c in"),
    ("class_rebound", BASE + "\n\nBaselineModel = type('BaselineModel', (BaselineModel,), {'automatic_optimization': False})\n", "rebound", "BaselineModel = type"),
    ("class_defined_again", BASE + "\n\nclass BaselineModel(BaselineModel):\n    automatic_optimization = False\n", "defined again", "class BaselineModel(BaselineModel)"),
    ("class_decorated", BASE.replace("class BaselineModel", "def deco(c):\n    c.automatic_optimization = False\n    return c\n\n\n@deco\nclass BaselineModel"), "decorated", "@deco"),
    ("hook_as_class_lambda", in_class("on_train_epoch_end = lambda self: self.log('e', 1.0)"), "without `def`", "on_train_epoch_end = lambda"),
    ("hook_as_class_alias", in_class("def _opt(self):\n    return torch.optim.Adam(self.parameters())\n\nconfigure_optimizers = _opt"), "without `def`", "configure_optimizers = _opt"),
    ("async_other_hook", in_class("async def on_train_start(self):\n    pass"), "async def", "async def on_train_start"),
    ("generator_training_step", BASE.replace("        return loss\n", "        yield loss\n", 1), "generator", "yield loss"),
]


@pytest.mark.parametrize("name, source, words, text", HIDDEN_MORE, ids=[h[0] for h in HIDDEN_MORE])
def test_hidden_lightning_use_reached_another_way_is_refused_where_it_is(name, source, words, text):
    facts, diags, usage = inspect_model("model.py", source, "BaselineModel")
    found = [d for d in diags if d.code == "LGEN113"]
    assert found and words in found[0].message, [(d.code, d.message) for d in diags]
    assert text in source.splitlines()[found[0].line - 1], (found[0], source.splitlines()[found[0].line - 1])
    assert len({d.line for d in found}) == len(found)  # one finding a line


FINE_MORE = [
    ("eval_mode_method", in_step("self.eval()\nself.train()")),
    ("eval_as_keyword_and_param", in_step("def h(eval=None, vars=0):\n    return 0\nh(eval=1)")),
    ("getattr_own_hook_by_name", in_step('step = getattr(self, "validation_step")')),
    ("attrgetter_own_attribute", in_step('import operator\nnet = operator.attrgetter("net")(self)')),
    ("vars_of_another_object", in_step("import argparse\nd = vars(argparse.Namespace(a=1))")),
    ("class_used_at_module_level", BASE + '\n\nif __name__ == "__main__":\n    model = BaselineModel()\n    assert isinstance(model, BaselineModel)\n'),
    ("super_with_class_name", BASE.replace(INIT, "        super(BaselineModel, self).__init__()\n")),
    ("generator_helper_not_a_hook", in_class("def chunks(self, x):\n    yield from x.split(2)")),
]


@pytest.mark.parametrize("name, source", FINE_MORE, ids=[f[0] for f in FINE_MORE])
def test_ordinary_code_near_the_hidden_constructs_is_not_refused(name, source):
    facts, diags, usage = inspect_model("model.py", source, None)
    assert facts is not None and not [d for d in diags if d.code == "LGEN113"], [(d.code, d.message) for d in diags]
