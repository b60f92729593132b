"""Equivalence cases: (model file, class, Trainer flags, seed).

``CASES`` must give bit-identical checkpoints (contract section 3, CPU, 32-true).
``PRECISION_CASES`` use ``bf16-mixed``; the contract allows a floating-point
tolerance there (``Case.atol``).
``ERROR_CASES`` are runs that Lightning 2.6.6 itself rejects (``Case.error`` is a
substring of its exception message); lgen rejects them too, either at eject time
(exit 1/2) or in the generated script, with the same kind of error at the same
global_step and epoch (tests/test_error_cases.py).

Every Lightning side in CASES and PRECISION_CASES was run with
``run_lightning`` and wrote a checkpoint (Lightning 2.6.6, torch 2.13 CPU).
Verified outcomes of ERROR_CASES (exception type: message start):

* torchmetrics_unattached -- MisconfigurationException: "Could not find the
  `LightningModule` attribute for the `torchmetrics.Metric` logged. You can fix this by calling
  `self.log(extra, ..., metric_attribute=name)` where `name` is one of ['train_acc']" (raised
  in training_step of batch 2, after two optimizer steps; the script raises a RuntimeError with
  the same message at the same point).
* plateau_strict_missing_metric -- MisconfigurationException: "ReduceLROnPlateau
  conditioned on metric val_loss which is not available. Available metrics are:
  ['train_loss']. Condition can be set using `monitor` key in lr scheduler dict"
  (raised at the end of epoch 0, after one epoch of training).
* iterable_val_check_float -- MisconfigurationException: "When using an
  IterableDataset for `train_dataloader`, `Trainer(val_check_interval)` must be
  time based, `1.0` or an int. ..."
* iterable_limit_float -- MisconfigurationException: "When using an
  `IterableDataset`, `Trainer(limit_train_batches)` must be `1.0` or an int. ..."
* baseline_limit_too_small -- MisconfigurationException: "You requested to
  check 0.01 of the `train_dataloader` but 0.01 * 10 < 1. ..."
* baseline_val_check_interval_too_big -- ValueError: " `val_check_interval` (11)
  must be less than or equal to the number of the training batches (10). ..."
* baseline_val_check_float_no_epoch -- MisconfigurationException:
  "`val_check_interval` should be an integer or a time-based duration ... when
  `check_val_every_n_epoch=None`" (raised by Trainer(...); lgen refuses these
  flags at eject time)
* baseline_bad_clip_algorithm -- MisconfigurationException:
  "`gradient_clip_algorithm` bogus is invalid. Allowed algorithms: ..."
* baseline_accumulate_zero -- ZeroDivisionError: "integer modulo by zero".
  Lightning does not validate accumulate_grad_batches; the Trainer builds fine
  and fit crashes at the first training batch (automatic.py
  `_make_zero_grad_fn`: `batch_idx % accumulate_grad_batches`).
* runtime_custom_scheduler_no_hook -- MisconfigurationException: "The provided lr
  scheduler `CosineDecay` doesn't follow PyTorch's LRScheduler API. You should override
  the `LightningModule.lr_scheduler_step` hook ..." (raised at fit start, when
  `configure_optimizers` is unpacked, before any training; the script raises a
  RuntimeError with the same message in its `configure_optimizers`).
* runtime_stateless_scheduler -- TypeError: "The provided lr scheduler `NoLoadState` is
  invalid. It should have `state_dict` and `load_state_dict` methods defined." (same moment;
  the script raises the same TypeError).
* runtime_plateau_monitor_none -- MisconfigurationException: "The lr scheduler dict must
  include a monitor when a `ReduceLROnPlateau` scheduler is used. ..." (same moment).
* helper_scheduler_as_optimizer -- MisconfigurationException: "Unknown
  configuration for model optimizers. Output from `model.configure_optimizers()`
  should be one of: ..." (the ejected script raises it when it starts: lgen
  cannot tell statically what `self.build()` returns).
* closure_dropped -- MisconfigurationException: "The closure hasn't been executed.
  HINT: did you call `optimizer_closure()` in your `optimizer_step` hook? ..."
  (lgen: LGEN308 at eject time).
* clip_override_conflicting_trainer_clip -- MisconfigurationException: "You have
  set `Trainer(gradient_clip_val=0.5)` and have passed
  `clip_gradients(gradient_clip_val=0.1)`. Please use only one of them."

Run ``python tests/equivalence/cases.py [-j N] [NAME...]`` to run the Lightning
side of every case and print a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class Case:
    name: str
    model: str  # file name in tests/equivalence/models/
    cls: str
    flags: dict[str, Any] = field(default_factory=dict)
    seed: int = 1234
    atol: float = 0.0  # 0.0: bit-exact
    error: Optional[str] = None  # ERROR_CASES: substring of Lightning's message

    def __str__(self) -> str:  # readable pytest ids
        return self.name


def _c(name, model, cls, seed=1234, atol=0.0, error=None, **flags):
    return Case(name, model, cls, flags, seed, atol, error)


B = ("baseline.py", "BaselineModel")
W_RAW = ("wrapped_optimizer_step.py", "RawStepModel")
W_FIRST = ("wrapped_optimizer_step.py", "ClosureFirstModel")

CASES: list[Case] = [
    # ---- baseline: loop structure, limits, validation scheduling, stopping
    _c("baseline", *B, max_epochs=2),
    _c("baseline_seed7", *B, seed=7, max_epochs=1),
    _c("baseline_accum3", *B, max_epochs=2, accumulate_grad_batches=3),  # 10 batches: short last window
    _c("baseline_accum4_limit_half", *B, max_epochs=2, accumulate_grad_batches=4, limit_train_batches=0.5),
    _c("baseline_limit_half", *B, max_epochs=2, limit_train_batches=0.5),
    _c("baseline_limit_3", *B, max_epochs=2, limit_train_batches=3),
    _c("baseline_limit_int1", *B, max_epochs=2, limit_train_batches=1),  # int 1: one batch
    _c("baseline_limit_float1", *B, max_epochs=2, limit_train_batches=1.0),  # float 1.0: all
    _c("baseline_limit_val_1", *B, max_epochs=2, limit_val_batches=1),
    _c("baseline_limit_val_0", *B, max_epochs=2, limit_val_batches=0),  # no validation, no sanity
    _c("baseline_val_every_2", *B, max_epochs=3, check_val_every_n_epoch=2),
    _c("baseline_vci_0.3", *B, max_epochs=2, val_check_interval=0.3),  # val at bi 2, 5, 8 only
    _c("baseline_vci_int2", *B, max_epochs=2, val_check_interval=2),
    _c("baseline_vci_int4_accum3", *B, max_epochs=2, val_check_interval=4, accumulate_grad_batches=3),
    _c("baseline_vci_int7_global", *B, max_epochs=3, val_check_interval=7, check_val_every_n_epoch=None),
    _c("baseline_no_sanity", *B, max_epochs=2, num_sanity_val_steps=0),
    _c("baseline_sanity_all", *B, max_epochs=1, num_sanity_val_steps=-1),
    _c("baseline_max_steps_5", *B, max_steps=5),  # stops mid-epoch 0
    _c("baseline_max_steps_13", *B, max_steps=13),  # stops mid-epoch 1
    _c("baseline_max_steps_before_epochs", *B, max_epochs=3, max_steps=4),
    _c("baseline_max_epochs_before_steps", *B, max_epochs=1, max_steps=50),
    _c("baseline_max_steps_accum2", *B, max_steps=7, accumulate_grad_batches=2),
    _c("baseline_clip_norm", *B, max_epochs=2, gradient_clip_val=0.5),
    # ---- training_step return forms
    _c("dict_return", "dict_return.py", "DictReturnModel", max_epochs=2),
    _c("dict_return_accum2", "dict_return.py", "DictReturnModel", max_epochs=2, accumulate_grad_batches=2),
    _c("skip_none", "skip_none.py", "SkipNoneModel", max_epochs=2),
    _c("skip_none_accum3", "skip_none.py", "SkipNoneModel", max_epochs=2, accumulate_grad_batches=3),
    # ---- what Lightning decides at run time: a step's return through a helper, its signature
    _c("helper_dict_step", "runtime_facts.py", "HelperDictStep", max_epochs=2),
    _c("helper_dict_step_accum2", "runtime_facts.py", "HelperDictStep", max_epochs=2, accumulate_grad_batches=2),
    _c("helper_maybe_none", "runtime_facts.py", "HelperMaybeNone", max_epochs=2),
    _c("helper_maybe_none_accum3", "runtime_facts.py", "HelperMaybeNone", max_epochs=2, accumulate_grad_batches=3),
    _c("no_batch_idx", "runtime_facts.py", "NoBatchIdx", max_epochs=2),
    _c("decorated_steps", "runtime_facts.py", "DecoratedSteps", max_epochs=2),
    _c("manual_helper_no_batch_idx", "runtime_facts.py", "ManualHelperNoBatchIdx", max_epochs=2),
    _c("mixins", "mixins.py", "MixinModel", max_epochs=2),
    # ---- Trainer-level clipping
    _c("clip_none", "clipping.py", "ClipModel", max_epochs=2),
    _c("clip_norm", "clipping.py", "ClipModel", max_epochs=2, gradient_clip_val=0.5),
    _c("clip_norm_explicit", "clipping.py", "ClipModel", max_epochs=2, gradient_clip_val=0.5,
       gradient_clip_algorithm="norm"),
    _c("clip_value", "clipping.py", "ClipModel", max_epochs=2, gradient_clip_val=0.05,
       gradient_clip_algorithm="value"),
    _c("clip_norm_accum2", "clipping.py", "ClipModel", max_epochs=2, gradient_clip_val=1.0,
       accumulate_grad_batches=2),
    _c("clip_value_int", "clipping.py", "ClipModel", max_epochs=1, gradient_clip_val=1,
       gradient_clip_algorithm="value"),
    # ---- schedulers
    _c("adamw_steplr", "adamw_steplr.py", "AdamWStepLRModel", max_epochs=2),
    _c("adamw_steplr_accum3_clip", "adamw_steplr.py", "AdamWStepLRModel", max_epochs=2,
       accumulate_grad_batches=3, gradient_clip_val=0.5),
    _c("adamw_steplr_accum2", "adamw_steplr.py", "AdamWStepLRModel", max_epochs=2, accumulate_grad_batches=2),
    _c("adamw_steplr_limit_5", "adamw_steplr.py", "AdamWStepLRModel", max_epochs=3, limit_train_batches=5),
    _c("epoch_sched", "epoch_sched.py", "EpochSchedModel", max_epochs=3),
    _c("epoch_sched_max_steps", "epoch_sched.py", "EpochSchedModel", max_steps=10),  # 7 batches/epoch
    _c("two_lists", "two_lists.py", "TwoListsModel", max_epochs=3),
    _c("plateau", "plateau.py", "PlateauModel", max_epochs=4),
    _c("plateau_vci_half", "plateau.py", "PlateauModel", max_epochs=3, val_check_interval=0.5),
    _c("plateau_nonstrict", "plateau_nonstrict.py", "PlateauNonStrictModel", max_epochs=3),
    _c("plateau_nonstrict_val_every_2", "plateau_nonstrict.py", "PlateauNonStrictModel", max_epochs=5,
       check_val_every_n_epoch=2),
    _c("plateau_nonstrict_no_val", "plateau_nonstrict.py", "PlateauNonStrictModel", max_epochs=2,
       limit_val_batches=0),
    _c("onecycle", "onecycle.py", "OneCycleModel", max_epochs=2),
    _c("onecycle_accum3", "onecycle.py", "OneCycleModel", max_epochs=2, accumulate_grad_batches=3),
    _c("onecycle_limit_half", "onecycle.py", "OneCycleModel", max_epochs=2, limit_train_batches=0.5),
    _c("onecycle_max_steps", "onecycle.py", "OneCycleModel", max_steps=7),
    _c("logging_plateau", "logging_plateau.py", "LoggingPlateauModel", max_epochs=4),
    _c("log_dict_step_plateau", "log_dict.py", "LogDictModel", max_epochs=2),
    _c("log_dict_step_plateau_accum3", "log_dict.py", "LogDictModel", max_epochs=2, accumulate_grad_batches=3),
    # schedulers whose class lgen cannot see: the script decides their kind at run time, as Lightning
    _c("runtime_factory_warmup", "runtime_sched.py", "FactoryWarmupModel", max_epochs=2),
    _c("runtime_factory_warmup_accum3", "runtime_sched.py", "FactoryWarmupModel", max_epochs=2,
       accumulate_grad_batches=3),
    _c("runtime_getattr_steplr", "runtime_sched.py", "GetattrStepLRModel", max_epochs=3),
    _c("runtime_custom_scheduler", "runtime_sched.py", "CustomSchedulerModel", max_epochs=4),
    _c("runtime_helper_plateau", "runtime_sched.py", "HelperPlateauModel", max_epochs=4),
    _c("runtime_mixed_vci_half", "runtime_sched.py", "MixedSchedulersModel", max_epochs=3, val_check_interval=0.5),
    _c("runtime_mixed_accum2", "runtime_sched.py", "MixedSchedulersModel", max_epochs=2, accumulate_grad_batches=2,
       val_check_interval=0.5),
    _c("runtime_helper_plateau_step_vci_half", "runtime_sched.py", "HelperPlateauStepModel", max_epochs=3,
       val_check_interval=0.5),
    # self.log defaults decided at run time: helpers shared by training_step / validation_step /
    # on_train_epoch_end; test/predict hooks that log stay plain methods
    _c("shared_log_helpers", "shared_log.py", "SharedLogModel", max_epochs=4),
    _c("shared_log_helpers_vci_half", "shared_log.py", "SharedLogModel", max_epochs=3, val_check_interval=0.5),
    # torchmetrics objects logged: forward caches on the step, compute() at the epoch's / run's end,
    # reset as Lightning resets its results; a plateau scheduler follows a collection's value
    _c("torchmetrics_plateau", "torchmetrics_plateau.py", "TorchmetricsPlateauModel", max_epochs=4),
    _c("torchmetrics_plateau_vci_half_accum2", "torchmetrics_plateau.py", "TorchmetricsPlateauModel", max_epochs=3,
       val_check_interval=0.5, accumulate_grad_batches=2),
    # ---- optimizers and optimizer hooks
    _c("lbfgs", "lbfgs.py", "LBFGSModel", max_epochs=2),
    _c("lbfgs_accum2", "lbfgs.py", "LBFGSModel", max_epochs=2, accumulate_grad_batches=2),
    _c("warmup_optimizer_step", "warmup_optimizer_step.py", "WarmupModel", max_epochs=2),
    _c("warmup_optimizer_step_accum3", "warmup_optimizer_step.py", "WarmupModel", max_epochs=2,
       accumulate_grad_batches=3),
    _c("zero_grad_override", "zero_grad_override.py", "ZeroGradModel", max_epochs=2),
    _c("zero_grad_override_accum2", "zero_grad_override.py", "ZeroGradModel", max_epochs=2,
       accumulate_grad_batches=2),
    _c("clip_override", "clip_override.py", "ClipOverrideModel", max_epochs=2),
    # an optimizer lgen cannot tell from a scheduler statically: the script checks it at start
    _c("helper_optimizer", "helper_optimizer.py", "HelperOptimizerModel", max_epochs=2),
    _c("helper_optimizer_accum2", "helper_optimizer.py", "HelperOptimizerModel", max_epochs=1, accumulate_grad_batches=2),
    # optimizer_step overrides that need the LightningOptimizer wrapper (`.optimizer`, closure called first)
    _c("wrapped_raw_step", *W_RAW, max_epochs=2),
    _c("wrapped_raw_step_clip", *W_RAW, max_epochs=2, gradient_clip_val=0.5),
    _c("wrapped_raw_step_accum3_clip", *W_RAW, max_epochs=2, accumulate_grad_batches=3, gradient_clip_val=0.5),
    _c("wrapped_closure_first", *W_FIRST, max_epochs=2),
    _c("wrapped_closure_first_clip", *W_FIRST, max_epochs=2, gradient_clip_val=0.5),
    _c("wrapped_closure_first_clip_value", *W_FIRST, max_epochs=2, gradient_clip_val=0.05,
       gradient_clip_algorithm="value"),
    _c("wrapped_closure_first_accum3_clip", *W_FIRST, max_epochs=2, accumulate_grad_batches=3,
       gradient_clip_val=0.5),
    _c("grad_mode", "grad_mode.py", "GradModeModel", max_epochs=2),  # closure first only with grad on
    _c("grad_mode_accum2", "grad_mode.py", "GradModeModel", max_epochs=2, accumulate_grad_batches=2),
    # ---- hooks, module modes, logging, hparams
    _c("hooks", "hooks.py", "HooksModel", max_epochs=2),
    _c("hooks_accum3", "hooks.py", "HooksModel", max_epochs=2, accumulate_grad_batches=3),
    _c("hooks_vci_half", "hooks.py", "HooksModel", max_epochs=2, val_check_interval=0.5),
    _c("hooks_no_sanity", "hooks.py", "HooksModel", max_epochs=2, num_sanity_val_steps=0),
    _c("hooks_max_steps", "hooks.py", "HooksModel", max_steps=10),
    _c("batchnorm_frozen", "batchnorm_frozen.py", "FrozenBNModel", max_epochs=2),
    _c("batchnorm_frozen_clip", "batchnorm_frozen.py", "FrozenBNModel", max_epochs=2, gradient_clip_val=0.3),
    _c("hparams", "hparams.py", "HParamsModel", max_epochs=2),
    _c("hparams_forms", "hparams_forms.py", "NamedHParams", max_epochs=2),
    _c("hparams_subclass", "hparams_subclass.py", "SubclassHParams", max_epochs=2),
    # ---- data: iterable, RNG in the dataset
    _c("iterable", "iterable.py", "IterableModel", max_epochs=2),
    _c("iterable_accum3", "iterable.py", "IterableModel", max_epochs=2, accumulate_grad_batches=3),
    _c("iterable_limit_5", "iterable.py", "IterableModel", max_epochs=2, limit_train_batches=5),
    _c("iterable_vci_int3", "iterable.py", "IterableModel", max_epochs=2, val_check_interval=3),
    _c("iterable_max_steps", "iterable.py", "IterableModel", max_steps=11),
    _c("rng_dataset", "rng_dataset.py", "RngDatasetModel", max_epochs=2),
    _c("rng_dataset_limit_3", "rng_dataset.py", "RngDatasetModel", max_epochs=2, limit_train_batches=3),
    _c("rng_dataset_no_sanity", "rng_dataset.py", "RngDatasetModel", max_epochs=2, num_sanity_val_steps=0),
    _c("rng_dataset_vci_half", "rng_dataset.py", "RngDatasetModel", max_epochs=2, val_check_interval=0.5),
    _c("rng_dataset_limit_val_1", "rng_dataset.py", "RngDatasetModel", max_epochs=2, limit_val_batches=1),
    # ---- manual optimization (the guide's sections are golden cases; these vary flags and patterns)
    _c("manual_gan_max_steps", "manual_gan.py", "SimpleGAN", max_steps=7),
    _c("manual_gan_limit_3", "manual_gan.py", "SimpleGAN", max_epochs=3, limit_train_batches=3),
    _c("manual_helper_step", "manual_patterns.py", "HelperStep", max_epochs=2),
    _c("manual_isinstance", "manual_isinstance.py", "WrapperCheck", max_epochs=2),
    _c("manual_hooks_toggle_model", "manual_patterns.py", "HooksAndToggleModel", max_epochs=2),
    _c("manual_closure_plateau_vci", "manual_patterns.py", "ClosureAndPlateau", max_epochs=3, val_check_interval=0.5),
    _c("manual_no_scheduler_max_steps", "manual_patterns.py", "NoScheduler", max_steps=9),
    # ---- behaviours made observable (issue 19): toggling that leaks, the lr read in validation and
    # on_train_batch_end (scheduler stepping order)
    _c("toggle_leak", "observable.py", "ToggleLeakModel", max_epochs=2),
    _c("toggle_leak_limit_3", "observable.py", "ToggleLeakModel", max_epochs=3, limit_train_batches=3),
    _c("epoch_lr_read", "observable.py", "EpochLrReadModel", max_epochs=3),
    _c("epoch_lr_read_vci_half", "observable.py", "EpochLrReadModel", max_epochs=3, val_check_interval=0.5),
    _c("epoch_lr_read_val_every_2", "observable.py", "EpochLrReadModel", max_epochs=4, check_val_every_n_epoch=2),
    _c("epoch_lr_read_max_steps", "observable.py", "EpochLrReadModel", max_steps=12),
    _c("step_lr_read", "observable.py", "StepLrReadModel", max_epochs=2),
    _c("step_lr_read_accum2_vci_int3", "observable.py", "StepLrReadModel", max_epochs=2, accumulate_grad_batches=2,
       val_check_interval=3),
    # validation that leaves a trace in the state_dict: how many batches each run (sanity check too) sees
    _c("val_count", "val_count.py", "ValCountModel", max_epochs=2),
    _c("val_count_sanity_3_vci_half", "val_count.py", "ValCountModel", max_epochs=2, num_sanity_val_steps=3,
       val_check_interval=0.5),
    _c("val_count_limit_val_2", "val_count.py", "ValCountModel", max_epochs=2, limit_val_batches=2),
    # ---- DDP, 2 CPU processes (gloo): Lightning's strategy="ddp", devices=2 vs the script under torchrun
    _c("ddp_hooks_bf16", "hooks.py", "HooksModel", max_epochs=2, strategy="ddp", devices=2, precision="bf16-mixed"),
    _c("ddp_manual_closure_plateau", "manual_patterns.py", "ClosureAndPlateau", max_epochs=2, strategy="ddp", devices=2),
    _c("ddp_wrapped_closure_first_clip", *W_FIRST, max_epochs=2, strategy="ddp", devices=2, gradient_clip_val=0.5),
    _c("ddp_log_dict_accum3", "log_dict.py", "LogDictModel", max_epochs=2, strategy="ddp", devices=2,
       accumulate_grad_batches=3),
    # sync_dist: a plateau scheduler on the cross-rank mean (with rank-local means it differs: checked)
    _c("ddp_sync_dist_plateau", "sync_dist.py", "SyncDistModel", max_epochs=4, strategy="ddp", devices=2),
]

PRECISION_CASES: list[Case] = [
    # bit-exact too: Lightning's CPU bf16 path is deterministic, and the script takes the same one
    _c("baseline_bf16", *B, max_epochs=2, precision="bf16-mixed"),
    _c("wrapped_raw_step_bf16_clip", *W_RAW, max_epochs=2, precision="bf16-mixed", gradient_clip_val=0.5),
    _c("wrapped_closure_first_bf16_clip", *W_FIRST, max_epochs=2, precision="bf16-mixed", gradient_clip_val=0.5),
    _c("adamw_steplr_bf16_accum3", "adamw_steplr.py", "AdamWStepLRModel", max_epochs=2,
       precision="bf16-mixed", accumulate_grad_batches=3),
    _c("batchnorm_frozen_bf16", "batchnorm_frozen.py", "FrozenBNModel", max_epochs=2, precision="bf16-mixed"),
    _c("lbfgs_bf16", "lbfgs.py", "LBFGSModel", max_epochs=1, precision="bf16-mixed"),
    _c("hooks_bf16_true", "hooks.py", "HooksModel", max_epochs=2, precision="bf16-true"),
    _c("clipping_bf16_true_accum2", "clipping.py", "ClipModel", max_epochs=2, precision="bf16-true",
       accumulate_grad_batches=2, gradient_clip_val=0.5),
    # 16-mixed on CPU: Lightning (and the script) run it as bf16-mixed
    _c("baseline_16_mixed_cpu", *B, max_epochs=2, precision="16-mixed", val_check_interval=0.5),
    _c("manual_gan_bf16", "manual_gan.py", "SimpleGAN", max_epochs=2, precision="bf16-mixed"),
    _c("manual_gan_bf16_true", "manual_gan.py", "SimpleGAN", max_epochs=2, precision="bf16-true"),
    # validation outputs that differ under autocast: seen in callback_metrics and a buffer
    _c("autocast_val_bf16", "observable.py", "AutocastValModel", max_epochs=2, precision="bf16-mixed"),
    _c("autocast_val_16_mixed_vci_half", "observable.py", "AutocastValModel", max_epochs=2, precision="16-mixed",
       val_check_interval=0.5),
    _c("toggle_leak_bf16", "observable.py", "ToggleLeakModel", max_epochs=2, precision="bf16-mixed"),
    _c("manual_helper_16_mixed_cpu", "manual_patterns.py", "HelperStep", max_epochs=2, precision="16-mixed"),
]

ERROR_CASES: list[Case] = [
    _c("torchmetrics_unattached", "torchmetrics_plateau.py", "UnattachedMetricModel", max_epochs=1,
       error="Could not find the `LightningModule` attribute for the `torchmetrics.Metric` logged"),
    _c("plateau_strict_missing_metric", "plateau.py", "PlateauModel", max_epochs=4, check_val_every_n_epoch=2,
       error="ReduceLROnPlateau conditioned on metric val_loss which is not available"),
    _c("iterable_val_check_float", "iterable.py", "IterableModel", max_epochs=2, val_check_interval=0.5,
       error="`Trainer(val_check_interval)` must be time based, `1.0` or an int"),
    _c("iterable_limit_float", "iterable.py", "IterableModel", max_epochs=2, limit_train_batches=0.5,
       error="`Trainer(limit_train_batches)` must be `1.0` or an int"),
    _c("baseline_limit_too_small", *B, max_epochs=1, limit_train_batches=0.01,
       error="You requested to check 0.01 of the `train_dataloader`"),
    _c("baseline_val_check_interval_too_big", *B, max_epochs=1, val_check_interval=11,
       error="must be less than or equal to the number of the training batches"),
    _c("baseline_val_check_float_no_epoch", *B, max_epochs=1, val_check_interval=0.5, check_val_every_n_epoch=None,
       error="`val_check_interval` should be an integer"),
    _c("baseline_bad_clip_algorithm", *B, max_epochs=1, gradient_clip_val=0.5, gradient_clip_algorithm="bogus",
       error="`gradient_clip_algorithm` bogus is invalid"),
    _c("baseline_accumulate_zero", *B, max_epochs=1, accumulate_grad_batches=0,
       error="integer modulo by zero"),
    _c("runtime_custom_scheduler_no_hook", "runtime_sched.py", "CustomSchedulerNoHookModel", max_epochs=1,
       error="doesn't follow PyTorch's LRScheduler API"),
    _c("runtime_stateless_scheduler", "runtime_sched.py", "StatelessSchedulerModel", max_epochs=1,
       error="It should have `state_dict` and `load_state_dict` methods defined"),
    _c("runtime_plateau_monitor_none", "runtime_sched.py", "HelperPlateauNoMonitorModel", max_epochs=1,
       error="The lr scheduler dict must include a monitor when a `ReduceLROnPlateau` scheduler is used"),
    # the runner sees the last line of Lightning's multi-line "Unknown configuration for model optimizers ..."
    _c("helper_scheduler_as_optimizer", "helper_optimizer.py", "HelperSchedulerModel", max_epochs=1,
       error='{"optimizer": `Optimizer`, (optional) "lr_scheduler": `LRScheduler`}'),
    _c("closure_dropped", "closure_dropped.py", "ClosureDroppedModel", max_epochs=1,
       error="The closure hasn't been executed"),
    _c("clip_override_conflicting_trainer_clip", "clip_override.py", "ClipOverrideModel", max_epochs=2,
       gradient_clip_val=0.5, error="Please use only one of them"),
]

ALL_CASES: list[Case] = CASES + PRECISION_CASES + ERROR_CASES
BY_NAME: dict[str, Case] = {c.name: c for c in ALL_CASES}
assert len(BY_NAME) == len(ALL_CASES), "duplicate case names"


def _main(argv: list[str] | None = None) -> int:
    """Run the Lightning side of the cases (all, or those named) and print a summary."""
    import argparse
    import sys
    import tempfile
    import time
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import harness  # noqa: E402

    p = argparse.ArgumentParser()
    p.add_argument("names", nargs="*")
    p.add_argument("-j", type=int, default=2)
    p.add_argument("--keep", help="directory to keep the run folders in")
    args = p.parse_args(argv)
    cases = [BY_NAME[n] for n in args.names] if args.names else ALL_CASES
    root = Path(args.keep or tempfile.mkdtemp(prefix="lgen_eq_"))

    def one(case: Case):
        t0 = time.monotonic()
        try:
            harness.run_lightning(case.model, case.cls, case.flags, case.seed, root / case.name)
            err = None
        except harness.RunError as e:
            err = e.stderr.strip().splitlines()[-1] if e.stderr.strip() else str(e)
        return case, err, time.monotonic() - t0

    bad = 0
    with ThreadPoolExecutor(args.j) as pool:
        for case, err, dt in pool.map(one, cases):
            if case.error is None:
                ok = err is None
                msg = "ok" if ok else f"UNEXPECTED ERROR: {err}"
            else:
                ok = err is not None and case.error in err
                msg = f"raised as expected: {err}" if ok else f"EXPECTED ERROR {case.error!r}, got: {err}"
            bad += not ok
            print(f"{'PASS' if ok else 'FAIL'} {case.name:45s} {dt:5.1f}s  {msg}", flush=True)
    print(f"{len(cases) - bad}/{len(cases)} as expected; run folders in {root}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(_main())
