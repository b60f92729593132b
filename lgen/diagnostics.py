"""Diagnostics are values: every stage returns them, the CLI renders them.

An error means lgen cannot reproduce a construct exactly and writes nothing. A warning
marks an approximation that is exact in the common case; it is also marked in the emitted
code. An exception escaping a stage is a bug in lgen, never a way to report user errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explain: str


def _c(code: str, title: str, explain: str) -> Code:
    return Code(code, title, explain.strip())


# The registry. Codes are grouped by meaning:
#   LGEN1xx  the model file and its LightningModule
#   LGEN2xx  configure_optimizers, optimizers and schedulers
#   LGEN3xx  uses of Lightning's API inside the model
#   LGEN4xx  Trainer flags (values or combinations Lightning rejects)
#   LGEN5xx  warnings: exact in the common case, marked in the emitted code
CODES: dict[str, Code] = {
    c.code: c
    for c in [
        _c(
            "LGEN101",
            "the file has a syntax error",
            """
lgen reads the model file with libcst and cannot parse it. Fix the syntax error (run
`python -m py_compile MODEL.py` to see Python's own message) and eject again.
""",
        ),
        _c(
            "LGEN102",
            "no LightningModule subclass in the file",
            """
lgen ejects a class that subclasses `LightningModule` (from `lightning`,
`lightning.pytorch` or `pytorch_lightning`, under any import spelling). It found none.
It recognises the base class statically, so the class must name it directly:

    import lightning as L

    class Model(L.LightningModule):
        ...
""",
        ),
        _c(
            "LGEN103",
            "several LightningModule subclasses; `--class` picks one",
            """
The file defines more than one LightningModule subclass. Pass `--class NAME` to choose the
one to eject.
""",
        ),
        _c(
            "LGEN104",
            "`training_step` is missing",
            """
Lightning needs `training_step` to fit a model, and so does the ejected loop.
""",
        ),
        _c(
            "LGEN105",
            "a base of the model lgen cannot read or order",
            """
lgen keeps every class of the model's MRO (its bases of the project, mixins, Lightning's
demos) and resolves hooks the way Python's MRO does. A base it cannot read (a class from an
installed package that is not Lightning) may define hooks Lightning would call, so lgen cannot
see which hooks the model really has; bases Python cannot order (no consistent MRO) fail
before any training. Derive from LightningModule and your own classes, or keep Lightning's
hooks and API out of that base.

Plain bases are fine: `ABC` and `object`.
""",
        ),
        _c(
            "LGEN106",
            "`training_step` returns something Lightning does not accept",
            """
Under automatic optimization `training_step` must return a Tensor (the loss), a dict with
a "loss" key, or None (skip the batch). Lightning raises on anything else, and so does lgen,
before it writes a script:

    return {"loss": loss, "y_hat": y_hat}
""",
        ),
        _c(
            "LGEN107",
            "`training_step` takes arguments lgen cannot supply",
            """
Lightning calls `training_step(batch, batch_idx)`. A `dataloader_iter` signature or an
`optimizer_idx` argument (removed in Lightning 2.0; Lightning raises) cannot be ejected.
""",
        ),
        _c(
            "LGEN108",
            "`automatic_optimization` is not a literal",
            """
lgen decides between the automatic and the manual loop when it ejects, so
`self.automatic_optimization` must be assigned `True` or `False` literally (in `__init__`
or as a class attribute), not computed; where the model's classes (a base and its subclass)
assign it different values, assign it in one class.
""",
        ),
        _c(
            "LGEN109",
            "a hook is defined in a way lgen cannot follow",
            """
lgen calls the model's hooks directly, so each hook must be a plain method of the class
(`def name(self, ...)`), not a property, a staticmethod or an attribute assigned at run time.
""",
        ),
        _c(
            "LGEN110",
            "the run has no training data",
            """
The ejected loop takes its training data where Lightning does: the loaders given to
`trainer.fit(model, train_loader, val_loader)`, the `datamodule=` given to it, or else the
model's own `train_dataloader()` hook. A model file without `train_dataloader` and without a
run ejects to a script whose `fit(model, train_dataloaders=None, val_dataloaders=None,
datamodule=None, ckpt_path=None)` you call with your data; or pair it with a datamodule
(`--datamodule NAME`). A datamodule without `train_dataloader` is this error.
""",
        ),
        _c(
            "LGEN120",
            "the run is not written in a way lgen can follow",
            """
lgen ejects the run of an entry file: every `trainer = Trainer(...)` (or `Trainer(...).fit(...)`)
that running the file reaches (module level, the `if __name__ == "__main__":` block, or a
function called from there, any number of times), in branches and loops too, and the `fit` /
`validate` / `test` / `predict` calls on it. Each Trainer becomes the script's `make_loop(...)`,
each call the script's function, each Trainer with its own callbacks. A second `fit` on the
same Trainer runs as Lightning's does (its loops at their limit: set-up, no training, the fit's
end). What it cannot carry over exactly is refused here: that second `fit` given `ckpt_path=`,
with early stopping or under DDP (make a new Trainer for each fit), a fit in a loop that does
not make its Trainer, an evaluation call before the Trainer's fit, Trainers that differ in an
argument the script fixes when ejected (only `max_epochs`, `max_steps`, `default_root_dir` and
`gradient_clip_val` may differ; `gradient_clip_val` not with the model's own clipping hook,
`clip_gradients` or manual optimization), fits of different model classes or
with other kinds of data (the script is the loop of one model class; `--class` does not split a
file whose code runs both: move the other runs to an entry file of their own).
""",
        ),
        _c(
            "LGEN121",
            "a Trainer argument lgen cannot read statically",
            """
The Trainer's arguments become the script's settings, read off the call without running the
file: they must be literals (`max_epochs=10`, `precision="bf16-mixed"`). Write the value in
the call, or pass it to `lgen eject` as a flag (`--max-epochs 10`), which wins over the call.
Only what the script reads each time a Trainer is made may be computed by the entry's code
(`max_epochs=args.epochs`, `max_steps=...`, `default_root_dir=os.path.join(ROOT, name)`,
`gradient_clip_val=clip`): the script evaluates that expression where the Trainer did.
""",
        ),
        _c(
            "LGEN122",
            "a Trainer argument or default lgen does not eject yet",
            """
The script reproduces the Trainer arguments lgen knows. Lightning's default logger (CSVLogger)
and checkpoint callback are written as Lightning writes them (callbacks given to the Trainer:
LGEN129), under manual optimization and with `val_check_interval` too, and so is a
`CSVLogger(...)` given to the Trainer (or a list of them, or what the entry computes: the script
decides as Lightning's `configure_logger`). Other loggers (`WandbLogger`, `MLFlowLogger`,
`TensorBoardLogger`, ...) are not: the script writes CSVLogger's files only. The files in the
combinations named in the message (a metrics.csv row per validation / test batch with several
loaders, ...) are not yet: pass `logger=False, enable_checkpointing=False` and save what you
need with `trainer.save_checkpoint(path)` after fit (the script writes the same file). Other
arguments (profilers, `fast_dev_run`, ...) are
named in the message.
""",
        ),
        _c(
            "LGEN123",
            "a Trainer method's arguments lgen cannot bind",
            """
`fit`, `validate`, `test` and `predict` are bound to Lightning 2.6's parameters
(`fit(model, train_dataloaders, val_dataloaders, datamodule, ckpt_path)`). Pass them
positionally in that order or by those names, without `*args` / `**kwargs`.
""",
        ),
        _c(
            "LGEN124",
            "the entry uses the Trainer in a way the script does not reproduce",
            """
After `fit`, the script's loop object stands where the Trainer stood: it answers
`trainer.callback_metrics`, `trainer.current_epoch` and `trainer.global_step`, its loggers as
`trainer.logger`, `trainer.loggers` and `trainer.log_dir` (a CSVLogger's `log_dir`, `save_dir`,
`root_dir`, `name`, `version`, `log_metrics`, `log_hyperparams`, `experiment`), and
`trainer.save_checkpoint(path)` writes the same checkpoint. Other attributes and methods, or
the trainer handed to other code, are not reproduced.
""",
        ),
        _c(
            "LGEN125",
            "an evaluation call or checkpoint path lgen does not eject yet",
            """
`validate` / `test` / `predict` after fit are ejected with their data, `ckpt_path` ("best",
"last", a path, or none: the model given, or the fit's best checkpoint without one) and
`return_predictions`. Not ejected by this lgen version: one method called with data from
different places (a datamodule here, loaders there) or with different numbers of loaders, a
`self.log(..., logger=...)` that decides what `validate` / `test` return, and a decorator hiding
an evaluation step's signature. A call that loads the fit's best checkpoint while checkpointing
is off is an error in Lightning too.
""",
        ),
        _c(
            "LGEN126",
            "data lgen cannot follow",
            """
The datamodule given to `fit` must be built in the same function from a
`LightningDataModule` subclass defined in the entry file, so lgen can read its hooks.
`validate` / `test` given a list of loaders written out (`dataloaders=[a, b]`), and fit's
validation data given as such a list or returned as a list / tuple by `val_dataloader` (counted
statically where lgen sees it, else decided at run time), run them as Lightning's "sequential"
CombinedLoader; its step and batch hooks must then take `dataloader_idx` (Lightning raises
otherwise). Several training loaders, several validation loaders under DDP, several loaders
for `predict`, a dict of loaders, `self.log(..., add_dataloader_idx=...)` with several loaders, a datamodule's
`self.trainer`, `hparams_initial`, `on_exception`, `save_hyperparameters(config)` or
`super().<hook>(...)` calls (the ejected class has no Lightning base) are not ejected yet. A
datamodule's transfer hooks, `state_dict` / `load_state_dict` and `save_hyperparameters()` are.
""",
        ),
        _c(
            "LGEN127",
            "the `--datamodule` class cannot be used as given",
            """
`lgen eject MODEL.py --datamodule [FILE.py:]NAME` fits the model on `NAME()`: the class must be
a `LightningDataModule` subclass defined at the top of the model's file (or of FILE.py), and
its `__init__` must need no arguments. To fit on a datamodule built with arguments, eject
without `--datamodule` and call the script's `fit(model, datamodule=...)` from your own code.
""",
        ),
        _c(
            "LGEN128",
            "a project file lgen cannot carry over",
            """
A LightningModule or LightningDataModule class the entry imports from the project's own files
(under `--root`) is spliced into the script under a section naming its file, with the module-level
code of its file it uses; the user's other modules stay imports, as the entry writes them. A
name the script would import from a project module whose import pulls in Lightning (itself,
through its package's `__init__.py` or through another project module) is carried instead: its
definition, with what it needs of its own module, is copied under a section naming its file
(names it takes from other such modules are carried too), and a module object of such a module
(`from . import utils`, then `utils.f(...)`) becomes a namespace of the attributes read of it.
A name bound in a module-level `if` / `try` block (`if _X_AVAILABLE: TABLE = ...`) is carried as
that block; lightning_utilities' `module_available`, `package_available`, `compare_version` in
carried code become the script's plain definitions; a `Callback` subclass the copied code uses is
spliced as the entry's callbacks are. lgen stops where that is not exact: a definition to carry uses Lightning itself, a module object
is used other than by reading its attributes (or `import pkg.mod`, `from pkg.mod import *`),
the class needs other code of its module that uses Lightning, a name the copied code binds is
bound differently in the entry (rename one), the class is imported under another name, or its
import brings other names too. Import the class from the file that defines it on a line of its
own, import helpers by name, and keep Lightning out of the code the script needs.
""",
        ),
        _c(
            "LGEN129",
            "a callback lgen cannot eject as given",
            """
`Trainer(callbacks=[...])` is ejected for Lightning's `ModelCheckpoint`, `EarlyStopping` and
`LearningRateMonitor`, built in the entry (in the list, or assigned to a name before the
Trainer) with literal arguments: the script holds plain classes of the same names that save,
stop and log exactly as Lightning 2.6.6's do, in Lightning's order (checkpoint callbacks last),
with their states in the checkpoints under Lightning's `state_key`. Your own `Callback`
subclasses (defined in the entry, given in the list with any arguments, or returned by the
model's `configure_callbacks()`) are kept without their `Callback` base; the script calls their
`setup`/`teardown`, `on_fit_start`/`_end`, `on_sanity_check_start`/`_end`,
`on_train_start`/`_end`, `on_train_epoch_start`/`_end`, `on_train_batch_start`/`_end`, fit's
`on_validation_start`, `on_validation_epoch_start`/`_end` and `on_validation_end` (the sanity
check's included), the backward, zero_grad and optimizer-step hooks, `on_save_checkpoint` and
`on_load_checkpoint` where and in the order Lightning calls them, with the script's loop as `trainer` (it offers `current_epoch`, `global_step`,
`callback_metrics`, `optimizers`, `max_epochs`, `sanity_checking`, `should_stop`, ...), and
keeps their `state_dict` in the checkpoints under the class's name. Their other hooks, other
trainer attributes, Lightning's members of `pl_module`, `super()` hooks, `trainer.should_stop`
set inside an epoch, other callbacks (progress bars, ...), arguments of Lightning's callbacks
that are not literals, and the arguments or values named in the message (a time interval,
saving on exceptions, ...) are not ejected yet: remove them, or keep the run on Lightning.
Lightning's callbacks under manual optimization, with `val_check_interval` (they act after each
validation inside an epoch; EarlyStopping there ends the epoch) and `ModelCheckpoint(
every_n_train_steps=N)` are ejected; resuming from a checkpoint written inside an epoch stops
the script with one line.
""",
        ),
        _c(
            "LGEN130",
            "the file uses Lightning API that Lightning 2.6.6 no longer has",
            """
`Trainer.add_argparse_args(parser)`, `Trainer.from_argparse_args(args)`,
`Trainer.parse_argparser(...)`, `Trainer.get_init_arguments_and_types()` and the same class
methods of `LightningDataModule` were removed in Lightning 2.0: Lightning 2.6.6's classes have no
such attribute, so the file stops with AttributeError where that code runs, before any training.
lgen refuses it as Lightning does. Add the flags to your own `argparse` parser and pass them to
`Trainer(...)` by name (`Trainer(max_epochs=args.max_epochs)`), or use Lightning's
`LightningCLI`.
""",
        ),
        _c(
            "LGEN111",
            "the model class cannot be reached in this file",
            """
lgen ejects a LightningModule subclass defined at the top of the file it reads. A class
defined inside a function (a factory) or inside another class is only made when that code
runs; move it to module level. A class whose base comes from another module
(`class Task(BaseTask)` with `from .base import BaseTask`) is read from the project's files
(under the root, `--root DIR`); where lgen cannot find that module, it cannot see whether the
base is a LightningModule, or its hooks.
""",
        ),
        _c(
            "LGEN112",
            "the code is nested too deeply for lgen to follow",
            """
Python compiles the file, but one expression or statement in it is nested so deeply (an
`x + x + ...` of thousands of terms, an attribute chain or a dotted import of thousands of
parts, thousands of `and`s or of implicitly concatenated strings) that lgen's parser cannot
follow it safely. Split it: sum a list instead of writing out the terms, bind a long module path
to a short name once, build a long string from a list.
""",
        ),
        _c(
            "LGEN113",
            "the model reaches attributes or hooks in a way lgen cannot follow",
            """
lgen reads the model statically and rewrites each use of Lightning's API it sees. Code that
reaches the model's attributes by a name computed at run time (`getattr(self, "lo" + "g")`,
`setattr`, `self.__dict__[...]`, `vars(self)`), runs code from a string (`eval`, `exec`), defines
a hook as `async def`, or changes the class from outside (`Model.training_step = ...`,
`setattr(Model, ...)`) may use Lightning's API where lgen cannot see it, so the script would fail
or train differently. Call Lightning's API on `self` by name, define the hooks as plain methods of
the class, and leave the class as written. `getattr(self, "name")` of your own attribute, and
`getattr` on other objects, are fine. A class decorator is fine where it is a plain function of
the file (`@deco`, or `@factory(...)` returning a nested function) that provably returns the
class itself, having set at most its `__doc__` and its `__init__` (only to a wrapper that calls
the original with the same arguments, after a warning, say, as lightning-bolts'
`@under_review()`): it stays in the script as written. Any other decorator (an
imported one, one that sets other attributes, passes the class on or may return something else)
is this error.
""",
        ),
        _c(
            "LGEN201",
            "the return value of `configure_optimizers` cannot be read statically",
            """
lgen bakes the structure Lightning would find in `configure_optimizers`' return value (how
many optimizers, which schedulers, their interval, frequency and monitor) into the loop. Every
`return` must have one of Lightning's forms written out, with local variables allowed:

    return optimizer
    return [opt_a, opt_b]
    return [optimizer], [scheduler]
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": s, "interval": "step"}}
""",
        ),
        _c(
            "LGEN202",
            "several optimizers under automatic optimization",
            """
Lightning 2.x supports several optimizers only with manual optimization and raises
"Training with multiple optimizers is only supported with manual optimization". Set
`self.automatic_optimization = False` in `__init__` and step the optimizers yourself in
`training_step`.
""",
        ),
        _c(
            "LGEN203",
            "a scheduler setting is not a literal",
            """
`interval`, `frequency`, `strict` and `reduce_on_plateau` in a scheduler dict are baked
into the loop, so they must be literals (a string, int or bool), or local names bound to one.
(A `monitor` that is not a literal is read by the script when it configures the schedulers,
as Lightning does.)
""",
        ),
        _c(
            "LGEN204",
            "the scheduler's kind cannot be determined",
            """
No longer reported. Lightning steps a ReduceLROnPlateau scheduler with a monitored metric,
after validation, and every other scheduler without one. Where lgen cannot see a scheduler's
class (a factory function, a class from another module, `getattr(...)`), the ejected script
decides its kind when it configures the schedulers, as Lightning does (`isinstance(scheduler,
ReduceLROnPlateau)`, unless the dict says `"reduce_on_plateau"`), and runs Lightning's checks:
a ReduceLROnPlateau needs a `monitor`, and a scheduler that is not a torch `LRScheduler` needs
`state_dict`/`load_state_dict` and a `lr_scheduler_step` override on the model.
""",
        ),
        _c(
            "LGEN205",
            "ReduceLROnPlateau needs a monitor",
            """
Lightning raises when a ReduceLROnPlateau scheduler has no `monitor`. In the dict form the
monitor belongs inside the scheduler dict:

    return {"optimizer": opt, "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss"}}
""",
        ),
        _c(
            "LGEN206",
            "an invalid scheduler setting",
            """
Lightning accepts `interval` "step" or "epoch" and a positive int `frequency`; it raises on
anything else.
""",
        ),
        _c(
            "LGEN207",
            "`configure_optimizers` returns no optimizer",
            """
Lightning trains with a mock optimizer that never updates anything when
`configure_optimizers` returns None. lgen does not eject that; return an optimizer.
""",
        ),
        _c(
            "LGEN208",
            "`configure_optimizers` returns a form Lightning does not know",
            """
Lightning's `_configure_optimizers` accepts an optimizer, a list of optimizers, two lists
(optimizers, schedulers) or dicts with an "optimizer" key, and raises "Unknown configuration
for model optimizers" for anything else, such as `return optimizer, scheduler` (a tuple whose
second element is a scheduler, not an optimizer). Return one of its forms:

    return [optimizer], [scheduler]
    return {"optimizer": optimizer, "lr_scheduler": scheduler}

Where lgen cannot tell statically whether a returned object is an optimizer, the ejected
script checks it when it starts, as Lightning does, and raises the same message.
""",
        ),
        _c(
            "LGEN301",
            "a Lightning attribute or method lgen does not support",
            """
The model uses a part of Lightning's API that has no exact plain-PyTorch equivalent in the
ejected loop. The message names the member; `lgen explain LGEN301` lists what is supported:

- `self.log`, `self.log_dict` (with literal on_step/on_epoch/reduce_fx/prog_bar/batch_size)
- `self.current_epoch`, `self.global_step`, `self.device`, `self.print`
- `self.optimizers()`, `self.lr_schedulers()`, `self.clip_gradients(...)`
- manual optimization: `self.manual_backward(loss)`, `opt.step()`, `opt.optimizer`,
  `self.toggle_optimizer` / `untoggle_optimizer` / `toggled_optimizer`, `opt.toggle_model()`
- `self.save_hyperparameters()` and `self.hparams`, as Lightning saves them: the `__init__`'s
  arguments as they are at the call (`*args` dropped, `**kwargs` merged in), less `ignore=`
  (a name or a list); or the names given as strings, in their order; or one config argument (a
  dict or `argparse.Namespace`, copied). Refused: a call outside `__init__` or more than once,
  names Lightning would not find (it raises KeyError), a config object in a run that writes
  Lightning's checkpoints (their `hparams_name`)
- `Model.load_from_checkpoint(path, ...)` on the ejected model's class by name (in the entry or
  the file's code): the script's `load_from_checkpoint(Model, path, ...)`, Lightning's
  classmethod as a function; on another receiver (`type(model)`, another Lightning class) it is
  refused, as is `hparams_file=`
- Lightning's utilities, under any of the names Lightning exports them by (aliases and
  `pl.utilities....` chains included), in the model, the file's other code or the run's entry:
  `rank_zero_only` (decorator, `rank_zero_only(fn, default)`, `rank_zero_only.rank`),
  `rank_zero_info`, `rank_zero_debug`, `rank_zero_warn`, `MisconfigurationException`,
  `grad_norm`, lightning_utilities' `module_available`, `package_available`, `compare_version`
  and `RequirementCache("name")`, and `seed_everything(seed)` called as a statement inside a function (the script
  defines each as plain code; a file that defines a name of its own the script needs for one is
  refused)
- `self.trainer.current_epoch`, `.global_step`, `.max_epochs`, `.max_steps`,
  `.estimated_stepping_batches`, `.num_training_batches`, `.is_last_batch`,
  `.callback_metrics`, `.accumulate_grad_batches`, `.gradient_clip_val`,
  `.gradient_clip_algorithm`, `.optimizers`, `.lr_scheduler_configs` is not supported
""",
        ),
        _c(
            "LGEN302",
            "`self.log` outside a hook whose logging defaults lgen can determine",
            """
Lightning chooses `on_step`/`on_epoch` by the hook that is running when `self.log` is
called. lgen finds the hooks that call the method (directly or through the class's own
helpers): when they share defaults the call gets them; when they differ (a helper shared by
`training_step` and `validation_step` or `on_train_epoch_end`) the script picks them at run
time from what the loop knows, as Lightning does. A method no hook reaches (one called only
from `forward`, or from outside the class) has no defaults lgen can know: pass `on_step=`
and `on_epoch=` explicitly. (`test_step`, `predict_step` and the other test/predict hooks
never run under fit; their calls keep the test hooks' defaults.)
""",
        ),
        _c(
            "LGEN303",
            "a `self.log` argument is not a literal",
            """
`on_step`, `on_epoch`, `reduce_fx`, `prog_bar`, `sync_dist`, `rank_zero_only`, `logger`,
`enable_graph` and `add_dataloader_idx` decide how the loop aggregates a metric (or whether
lgen may drop them, `lgen explain LGEN309`), so lgen needs them as literals. `reduce_fx` may be "mean", "sum", "max"
or "min" (or `torch.mean` / `torch.sum` / `torch.max` / `torch.min`).
""",
        ),
        _c(
            "LGEN304",
            "`self.log` is called from a hook where Lightning forbids logging",
            """
Lightning raises when `self.log` is called from this hook (for example `configure_optimizers`,
`setup`, `on_fit_start`, `train_dataloader`, `lr_scheduler_step`), also from a helper such a
hook calls. It also raises on `on_step=True` or `on_epoch=False` in the epoch hooks
(`on_train_start`, `on_train_epoch_start`/`_end`, `on_validation_start`,
`on_validation_epoch_start`/`_end`), which log epoch values only.
""",
        ),
        _c(
            "LGEN305",
            "the class overrides a Lightning method lgen cannot reproduce",
            """
The class defines a hook whose Lightning-side caller lgen does not reproduce (for example a
data-transfer hook under a strategy, or a `configure_callbacks` that returns anything but your
own `Callback` subclasses of the entry, built in its `return`). Remove it or move its work into
a hook lgen supports.
""",
        ),
        _c(
            "LGEN306",
            "`self.trainer` is used as a value",
            """
The ejected loop replaces `self.trainer` by a small state object (`self.loop`) that holds the
counters and settings Lightning's Trainer exposed. lgen supports reading known attributes of
it (`self.trainer.global_step`, ...), not passing the trainer itself around.
""",
        ),
        _c(
            "LGEN307",
            "an optimizer from `self.optimizers()` goes where lgen cannot follow it",
            """
Under manual optimization `self.optimizers()` returns Lightning's `LightningOptimizer`
wrappers, and `opt.step()` on one of them does more than the raw step: inside
`training_step` Lightning counts it in `global_step` (every step of every optimizer counts,
and `max_steps` compares against that count). The ejected loop holds the raw optimizers, so
lgen rewrites each such call where it stands (`self.loop.optimizer_step(opt)`), and needs to
know, for every `x.step()`, whether `x` is a wrapper.

It follows the wrappers through local names, subscripts (`opts[0]`), tuple unpacking
(`g_opt, d_opt = self.optimizers()`), `for` loops (also with `enumerate`), closures, and the
parameters of the class's own methods. It stops when a wrapper:

- is stored on `self` or in a container, returned, yielded, or passed to a function outside
  the class (lgen cannot see what that code does with it);
- shares a name with another value on a different path (`if c: opt = opt.optimizer`);
- has its `step` taken without calling it (`step = opt.step`);
- is stepped from a method that runs both inside and outside `training_step`, or from none
  lgen can see (Lightning counts only the steps taken while `training_step` runs).

Call `self.optimizers()` in the method that steps, or pass the optimizer to a method of the
class. `opt.optimizer` (the raw optimizer) is followed too: stepping it is the plain step,
which Lightning does not count.
""",
        ),
        _c(
            "LGEN308",
            "`optimizer_step` never runs the closure",
            """
Lightning hands `optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)` a closure that
runs `training_step`, `zero_grad` and `backward`; after the hook it reads the closure's result
and raises "The closure hasn't been executed" if nothing ran it. An override that never uses
`optimizer_closure` always fails that way. Step with it:

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        optimizer.step(closure=optimizer_closure)
""",
        ),
        _c(
            "LGEN309",
            "a `self.log` argument whose effect the ejected loop does not reproduce",
            """
Of `self.log`'s arguments, the ejected loop reproduces `name`, `value`, `on_step`,
`on_epoch`, `prog_bar`, `reduce_fx`, `batch_size`, `add_dataloader_idx` and, under
`--strategy ddp`, `sync_dist` and `rank_zero_only`. The others change nothing in an ejected
run (no logger, one dataloader), so lgen drops them from the call: `logger`, `enable_graph`
(Lightning detaches the value anyway), and on one device `sync_dist`, `sync_dist_group` and
`rank_zero_only`. Two have an effect lgen does not reproduce:

- `metric_attribute=` names a torchmetrics `Metric` to log; where the model never mentions
  torchmetrics the loop logs tensors and numbers only. Log the metric's computed tensor instead
  (a model that imports torchmetrics keeps the argument: its loop logs `Metric` objects as
  Lightning does).
- `sync_dist_group=` under ddp with `sync_dist=True` reduces over that process group; the
  loop reduces over every rank. Drop it (the default group is every rank).
""",
        ),
        _c(
            "LGEN401",
            "a Trainer flag value Lightning rejects",
            """
lgen validates Trainer flags as Lightning does and rejects the values Lightning rejects.
""",
        ),
        _c(
            "LGEN403",
            "a Trainer flag Lightning rejects for this model",
            """
Lightning validates the flags against the model when `fit` starts and raises for some
combinations; lgen rejects them when it ejects, with Lightning's message. Under manual
optimization (`self.automatic_optimization = False`):

- `--gradient-clip-val` > 0: call `self.clip_gradients(opt, gradient_clip_val=...,
  gradient_clip_algorithm=...)` between `self.manual_backward(loss)` and `opt.step()`;
- `--accumulate-grad-batches` != 1: divide the loss by N and step every N batches, e.g.
  `if (batch_idx + 1) % N == 0: opt.step(); opt.zero_grad()`.
""",
        ),
        _c(
            "LGEN501",
            "manual clipping under 16-mixed clips scaled gradients, as Lightning does",
            """
With `--precision 16-mixed` on CUDA, Lightning scales the loss in `self.manual_backward` and
unscales the gradients inside `opt.step()`. A `self.clip_gradients(opt, ...)` call between the
two therefore clips the *scaled* gradients: the threshold is compared with a norm that is the
true norm times the loss scale (65536 at the start), so it usually clips far harder than
intended. The ejected script reproduces this exactly and marks the spot in
`Loop.clip_gradients`. To clip the true gradients, call `self.loop.scaler.unscale_(opt)`
before clipping in the ejected script (and accept that it then differs from Lightning), or
train with bf16-mixed, which has no scaler. On CPU, 16-mixed runs as bf16-mixed and nothing
is scaled.
""",
        ),
        _c(
            "LGEN402",
            "a Trainer flag combination lgen does not eject yet",
            """
The flag combination is valid for Lightning but this lgen version cannot reproduce it
exactly. The message says which part. A run under DDP (`Trainer(strategy="ddp")` or several
devices) ejects with `logger=False, enable_checkpointing=False`; Lightning's default files,
`validate` / `test` / `predict` after fit, `seed_everything(..., workers=True)` and
`prepare_data` under DDP are not ejected yet.
""",
        ),
    ]
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    path: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    help: str = ""
    severity: str = "error"  # "error" or "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Diagnostics:
    """Collects diagnostics across stages."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, d: Diagnostic) -> None:
        if d not in self.items:
            self.items.append(d)

    def extend(self, ds) -> None:
        for d in ds:
            self.add(d)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.path, d.line, d.column, d.code))


def render(d: Diagnostic, source_lines: list[str] | None) -> str:
    """Render one diagnostic the way ruff does: location, code, message, code frame, help."""
    head = f"{d.path}:{d.line}:{d.column}: {d.code} {d.severity}: {d.message}"
    out = [head]
    if source_lines and 1 <= d.line <= len(source_lines):
        text = source_lines[d.line - 1].rstrip("\n")
        gutter = len(str(d.line))
        pad = " " * gutter
        start = max(d.column, 1)
        if d.end_line == d.line and d.end_column > d.column:
            width = d.end_column - d.column
        else:
            width = max(len(text) - start + 1, 1)
        out.append(f"{pad} |")
        out.append(f"{d.line} | {text}")
        out.append(f"{pad} | {' ' * (start - 1)}{'^' * width}")
        if d.help:
            out.append(f"{pad} = help: {d.help}")
    elif d.help:
        out.append(f"  = help: {d.help}")
    return "\n".join(out)


def summary(diags: Diagnostics) -> str:
    n_err, n_warn = len(diags.errors), len(diags.warnings)
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    text = "; ".join(parts)
    if n_err:
        text += "; nothing written"
    return text


def explain(code: str) -> str | None:
    c = CODES.get(code.upper())
    if c is None:
        return None
    return f"{c.code}: {c.title}\n\n{c.explain}\n"
