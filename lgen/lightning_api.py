"""What lgen knows about Lightning 2.6's public surface, as static tables.

lgen never imports Lightning. These tables were written from `lightning==2.6.6` and a test
(`tests/test_surface.py`) enumerates the installed Lightning to prove every public member of
`LightningModule` is classified here, so nothing new slips through unclassified.
"""

from __future__ import annotations

# Qualified names under which `LightningModule` can be imported.
LIGHTNING_ROOTS = ("lightning", "pytorch_lightning", "lightning_fabric", "lightning_utilities")
LIGHTNING_MODULE_NAMES = frozenset(
    f"{root}.{path}"
    for root in ("lightning.pytorch", "pytorch_lightning")
    for path in ("LightningModule", "core.LightningModule", "core.module.LightningModule")
) | {"lightning.LightningModule"}

# Hooks the ejected loop calls when the class defines them; the value says the stage of
# the loop that calls it (used for `self.log` defaults, below).
LOOP_HOOKS = {
    # set-up and tear-down
    "prepare_data": None,
    "setup": None,
    "configure_model": None,
    "configure_optimizers": None,
    "train_dataloader": None,
    "val_dataloader": None,
    "on_fit_start": None,
    "on_fit_end": None,
    "on_train_start": "train_epoch",
    "on_train_end": None,
    "teardown": None,
    # the training epoch
    "on_train_epoch_start": "train_epoch",
    "on_train_epoch_end": "train_epoch",
    "on_train_batch_start": "train_step",
    "on_train_batch_end": "train_step",
    "training_step": "train_step",
    "on_before_zero_grad": "train_step",
    "optimizer_zero_grad": "train_step",
    "on_before_backward": "train_step",
    "backward": "train_step",
    "on_after_backward": "train_step",
    "on_before_optimizer_step": "train_step",
    "configure_gradient_clipping": "train_step",
    "optimizer_step": "train_step",
    "lr_scheduler_step": None,
    # batch transfer
    "on_before_batch_transfer": None,
    "transfer_batch_to_device": None,
    "on_after_batch_transfer": None,
    # validation
    "validation_step": "val_step",
    "on_validation_model_zero_grad": None,
    "on_validation_model_eval": None,
    "on_validation_model_train": None,
    "on_validation_start": "val_epoch",
    "on_validation_epoch_start": "val_epoch",
    "on_validation_batch_start": "val_step",
    "on_validation_batch_end": "val_step",
    "on_validation_epoch_end": "val_epoch",
    "on_validation_end": None,
}

# `self.log` defaults per stage (fx_validator.py): (on_step, on_epoch); None = forbidden.
LOG_DEFAULTS = {
    "train_step": (True, False),
    "train_epoch": (False, True),
    "val_step": (False, True),
    "val_epoch": (False, True),
    None: None,
}

# Hooks Lightning would call but that do nothing in `Trainer.fit` with the contract's flags,
# so defining them changes nothing in the ejected loop: they stay in the class as plain
# methods and are never called by the loop.
INERT_HOOKS = frozenset(
    {
        # other stages: fit never calls them
        "test_step", "predict_step", "test_dataloader", "predict_dataloader",
        "on_test_start", "on_test_end", "on_test_epoch_start", "on_test_epoch_end",
        "on_test_batch_start", "on_test_batch_end", "on_test_model_eval",
        "on_test_model_train", "on_predict_start", "on_predict_end",
        "on_predict_epoch_start", "on_predict_epoch_end", "on_predict_batch_start",
        "on_predict_batch_end", "on_predict_model_eval", "forward",
        # checkpoint-format hooks: the ejected checkpoint is the plain state
        "on_save_checkpoint", "on_load_checkpoint",
        # nn.Module methods that LightningModule merely re-exports
        "state_dict", "load_state_dict", "to", "cuda", "cpu", "type", "float",
        "double", "half",
    }
)

# Hooks lgen rejects when the class defines them: their Lightning-side behaviour is not
# reproduced by the ejected loop.
REJECTED_HOOKS = {
    "configure_callbacks": "callbacks are not part of the ejected loop",
    "configure_sharded_model": "removed in Lightning 2.x; use configure_model",
    "on_exception": "the ejected loop does not route exceptions to a hook",
    "on_sanity_check_start": "a callback hook; not called on the LightningModule",
    "on_sanity_check_end": "a callback hook; not called on the LightningModule",
    "validation_epoch_end": "removed in Lightning 2.0; use on_validation_epoch_end",
    "training_epoch_end": "removed in Lightning 2.0; use on_train_epoch_end",
}

# `self.<member>` rewrites: member -> replacement text (with `self.loop` as the loop state).
ATTRIBUTE_REWRITES = {
    "current_epoch": "self.loop.current_epoch",
    "global_step": "self.loop.global_step",
    "device": "self.loop.device",
    "trainer": None,  # handled attribute by attribute, see TRAINER_ATTRIBUTES
    "on_gpu": 'self.loop.device.type == "cuda"',
    "global_rank": "self.loop.global_rank",
    "local_rank": "self.loop.local_rank",
}

# `self.trainer.<attr>` that the loop state provides under the same name.
TRAINER_ATTRIBUTES = frozenset(
    {
        "current_epoch",
        "global_step",
        "max_epochs",
        "max_steps",
        "estimated_stepping_batches",
        "num_training_batches",
        "is_last_batch",
        "callback_metrics",
        "accumulate_grad_batches",
        "gradient_clip_val",
        "gradient_clip_algorithm",
        "check_val_every_n_epoch",
        "optimizers",
        "global_rank",
        "local_rank",
        "world_size",
        "is_global_zero",
        "num_sanity_val_steps",
        "val_check_interval",
        "limit_train_batches",
        "limit_val_batches",
        "num_devices",
        "sanity_checking",
    }
)

# Lightning methods on `self` that the rewrite turns into plain code.
METHOD_REWRITES = frozenset(
    {
        "log",
        "log_dict",
        "optimizers",
        "lr_schedulers",
        "clip_gradients",
        "manual_backward",
        "toggle_optimizer",
        "untoggle_optimizer",
        "toggled_optimizer",
        "print",
        "save_hyperparameters",
    }
)

# Members that are harmless on a plain nn.Module (assignments stay as plain attributes).
KEPT_ATTRIBUTES = frozenset(
    {"automatic_optimization", "example_input_array", "hparams", "strict_loading", "prepare_data_per_node",
     "allow_zero_length_dataloader_with_multiple_devices"}
)

# Members that have no equivalent in the ejected loop, with the reason given to the user.
REJECTED_MEMBERS = {
    "all_gather": "collectives are not reproduced outside DDP",
    "logger": "the ejected loop has no logger (Lightning's contract run uses logger=False)",
    "loggers": "the ejected loop has no logger",
    "fabric": "Fabric is not part of the ejected loop",
    "to_onnx": "export is not part of training",
    "to_torchscript": "export is not part of training",
    "freeze": "call `requires_grad_(False)` and `eval()` yourself",
    "unfreeze": "call `requires_grad_(True)` and `train()` yourself",
    "log_grad_norm": "Lightning-internal logging helper",
    "hparams_initial": "use `self.hparams`",
    "datamodule": "datamodules are not part of the ejected script; use the model's dataloader hooks",
    "dtype": "use the dtype of a parameter",
    "load_from_checkpoint": "load the state dict with torch.load",
    "to_tensorrt": "export is not part of training",
    "device_mesh": "model-parallel strategies (ModelParallelStrategy) are not ejected",
    "remove_ignored_hparams": "edit the `save_hyperparameters(...)` call (`ignore=`) instead",
    "CHECKPOINT_HYPER_PARAMS_KEY": "a Lightning checkpoint-format constant used by `load_from_checkpoint`",
    "CHECKPOINT_HYPER_PARAMS_NAME": "a Lightning checkpoint-format constant used by `load_from_checkpoint`",
    "CHECKPOINT_HYPER_PARAMS_TYPE": "a Lightning checkpoint-format constant used by `load_from_checkpoint`",
}

# Every public member of `LightningModule` that `torch.nn.Module` does not have (Lightning 2.6.6).
LIGHTNING_MODULE_MEMBERS = frozenset(
    """
    CHECKPOINT_HYPER_PARAMS_KEY CHECKPOINT_HYPER_PARAMS_NAME CHECKPOINT_HYPER_PARAMS_TYPE all_gather
    automatic_optimization backward clip_gradients configure_callbacks configure_gradient_clipping
    configure_model configure_optimizers configure_sharded_model current_epoch device device_mesh dtype
    example_input_array fabric freeze global_rank global_step hparams hparams_initial load_from_checkpoint
    local_rank log log_dict logger loggers lr_scheduler_step lr_schedulers manual_backward on_after_backward
    on_after_batch_transfer on_before_backward on_before_batch_transfer on_before_optimizer_step
    on_before_zero_grad on_fit_end on_fit_start on_gpu on_load_checkpoint on_predict_batch_end
    on_predict_batch_start on_predict_end on_predict_epoch_end on_predict_epoch_start on_predict_model_eval
    on_predict_start on_save_checkpoint on_test_batch_end on_test_batch_start on_test_end on_test_epoch_end
    on_test_epoch_start on_test_model_eval on_test_model_train on_test_start on_train_batch_end
    on_train_batch_start on_train_end on_train_epoch_end on_train_epoch_start on_train_start
    on_validation_batch_end on_validation_batch_start on_validation_end on_validation_epoch_end
    on_validation_epoch_start on_validation_model_eval on_validation_model_train
    on_validation_model_zero_grad on_validation_start optimizer_step optimizer_zero_grad optimizers
    predict_dataloader predict_step prepare_data print remove_ignored_hparams save_hyperparameters setup
    strict_loading teardown test_dataloader test_step to_onnx to_tensorrt to_torchscript toggle_optimizer
    toggled_optimizer train_dataloader trainer training_step transfer_batch_to_device unfreeze
    untoggle_optimizer val_dataloader validation_step
    """.split()
)

# Hooks whose LightningModule default does nothing: `super().hook(...)` is dropped.
NOOP_HOOKS = frozenset(
    name
    for name in LIGHTNING_MODULE_MEMBERS
    if name.startswith("on_") and name not in ("on_validation_model_zero_grad", "on_validation_model_eval", "on_validation_model_train", "on_gpu", "on_test_model_eval", "on_test_model_train", "on_predict_model_eval",
                                           # these return the batch: not no-ops
                                           "on_before_batch_transfer", "on_after_batch_transfer")
) | {"setup", "teardown", "prepare_data", "configure_model"}

# Lightning's small utilities that user code imports, under every name Lightning 2.6.6 exports
# them by: qualified name -> the name of the script's plain equivalent
# (templates/utilities.py.jinja). `rank_zero_only` keeps its `.rank` (the global rank, as
# Lightning sets it); rank_zero_info / rank_zero_debug log where Lightning's do (its
# `lightning.pytorch` logger at INFO, to stderr), rank_zero_warn warns as Lightning's does.
_FABRIC = ("lightning.fabric", "lightning_fabric")
_PYTORCH = ("lightning.pytorch", "pytorch_lightning")
UTILITIES = {
    **{f"{r}.utilities.rank_zero.{n}": n for r in _FABRIC + _PYTORCH for n in ("rank_zero_only", "rank_zero_info", "rank_zero_warn", "rank_zero_debug")},
    **{f"{r}.utilities.{n}": n for r in _FABRIC + _PYTORCH for n in ("rank_zero_only", "rank_zero_info", "rank_zero_warn")},
    **{f"{r}.utilities.exceptions.MisconfigurationException": "MisconfigurationException" for r in _FABRIC + _PYTORCH},
    **{f"{r}.seed_everything": "seed_everything" for r in ("lightning",) + _FABRIC + _PYTORCH},
    **{f"{r}.utilities.seed.seed_everything": "seed_everything" for r in _FABRIC},
    **{f"{r}.utilities.{m}grad_norm": "grad_norm" for r in _PYTORCH for m in ("", "grads.")},
    # a RequirementCache, read by the script only as an `if` test: whether torchvision is installed
    **{f"{r}.utilities.imports._TORCHVISION_AVAILABLE": "_TORCHVISION_AVAILABLE" for r in _PYTORCH},
    **{f"{r}.cli_lightning_logo": "cli_lightning_logo" for r in _PYTORCH},
    # torchvision's model of a name (examples/pytorch/domain_templates/imagenet.py)
    **{f"{r}.utilities.model_helpers.get_torchvision_model": "get_torchvision_model" for r in _PYTORCH},
    # lightning_utilities' RequirementCache("name") (Lightning's demos use it), for a plain name
    "lightning_utilities.core.imports.RequirementCache": "RequirementCache",
    **{f"{r}.utilities.imports.RequirementCache": "RequirementCache" for r in _FABRIC + _PYTORCH},
    # lightning_utilities' availability and version checks, under every name it and Lightning
    # export them by (Lightning's utilities/imports.py import them)
    **{f"lightning_utilities{m}.{n}": n for m in ("", ".core", ".core.imports") for n in ("module_available", "compare_version")},
    "lightning_utilities.core.imports.package_available": "package_available",
    **{f"{r}.utilities.imports.{n}": n for r in _PYTORCH for n in ("package_available", "compare_version")},
    **{f"{r}.utilities.imports.compare_version": "compare_version" for r in _FABRIC},
}
