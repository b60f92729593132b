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
