"""Trainer flags as lgen takes them: parsed and validated the way Lightning 2.6 does."""

from __future__ import annotations

from dataclasses import dataclass, fields

PRECISION_ALIASES = {
    "32": "32-true",
    "32-true": "32-true",
    "16": "16-mixed",
    "16-mixed": "16-mixed",
    "bf16": "bf16-mixed",
    "bf16-mixed": "bf16-mixed",
    "bf16-true": "bf16-true",
}


class FlagError(ValueError):
    """A flag value Lightning would reject; the message says why, as Lightning does."""


@dataclass(frozen=True)
class Flags:
    """Trainer arguments, with Lightning's defaults. `None` means "not given"."""

    max_epochs: int | None = None
    max_steps: int = -1
    accumulate_grad_batches: int = 1
    gradient_clip_val: int | float | None = None
    gradient_clip_algorithm: str | None = None
    precision: str = "32-true"
    strategy: str = "auto"
    devices: int | None = None
    accelerator: str = "auto"
    num_sanity_val_steps: int = 2
    check_val_every_n_epoch: int | None = 1
    limit_train_batches: int | float = 1.0
    limit_val_batches: int | float = 1.0
    val_check_interval: int | float | None = None

    def cli_args(self, given: frozenset[str] | None = None) -> list[str]:
        """The flags that differ from the defaults (or those `given`), as `lgen eject` options,
        in a fixed order."""
        out: list[str] = []
        default = Flags()
        for f in fields(self):
            value = getattr(self, f.name)
            if given is not None:
                if f.name not in given:
                    continue
            elif value == getattr(default, f.name) and type(value) is type(getattr(default, f.name)):
                continue
            flag = "--" + f.name.replace("_", "-")
            out += [flag, "none" if value is None else _fmt(value)]
        return out

    @property
    def resolved_max_epochs(self) -> int:
        """Lightning: neither limit given -> 1000 epochs; only max_steps given -> unlimited (-1)."""
        if self.max_epochs is not None:
            return self.max_epochs
        return 1000 if self.max_steps == -1 else -1


def _fmt(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def parse_int_or_float(name: str, text: str, takes: str = "an int (batches) or a float (a fraction)") -> int | float:
    """Lightning's limit flags: an int counts batches, a float is a fraction (1 != 1.0).
    `takes` says what the flag takes, for the message when `text` is not a number."""
    try:
        if any(c in text for c in ".eE") and not text.lstrip("-").isdigit():
            return float(text)
        return int(text)
    except ValueError:
        raise FlagError(f"--{name.replace('_', '-')} takes {takes}, not {text!r}")


def validate(flags: Flags) -> None:
    """Raise FlagError for the values Lightning's Trainer raises on."""
    if flags.max_epochs is not None and flags.max_epochs < -1:
        raise FlagError(f"`max_epochs` must be a non-negative integer or -1, but got {flags.max_epochs}.")
    if flags.max_steps < -1:
        raise FlagError(f"`max_steps` must be a non-negative integer or -1. You passed in {flags.max_steps}.")
    if flags.accumulate_grad_batches < 1:
        raise FlagError(f"`accumulate_grad_batches` should be an int >= 1, got {flags.accumulate_grad_batches}.")
    if flags.gradient_clip_algorithm is not None and flags.gradient_clip_algorithm not in ("norm", "value"):
        raise FlagError(
            f"`gradient_clip_algorithm` {flags.gradient_clip_algorithm} is invalid. Allowed algorithms: ['value', 'norm']."
        )
    if flags.gradient_clip_val is not None and flags.gradient_clip_val < 0:
        raise FlagError(f"`gradient_clip_val` must be non-negative, got {flags.gradient_clip_val}.")
    if flags.precision not in PRECISION_ALIASES.values():
        raise FlagError(
            f"Precision {flags.precision!r} is invalid. Allowed precision values: ('32-true', '16-mixed', 'bf16-mixed', 'bf16-true')"
        )
    if flags.num_sanity_val_steps < -1:
        raise FlagError(f"`num_sanity_val_steps` must be -1 or a non-negative integer, got {flags.num_sanity_val_steps}.")
    if flags.check_val_every_n_epoch is not None and flags.check_val_every_n_epoch < 1:
        raise FlagError(
            f"`check_val_every_n_epoch` should be an integer >= 1 or None, got {flags.check_val_every_n_epoch}."
        )
    if flags.check_val_every_n_epoch is None and isinstance(flags.val_check_interval, float):
        # Lightning's DataConnector.on_trainer_init
        raise FlagError(
            "`val_check_interval` should be an integer or a time-based duration (str 'DD:HH:MM:SS', "
            "datetime.timedelta, or dict kwargs for timedelta) when `check_val_every_n_epoch=None`."
        )
    for name in ("limit_train_batches", "limit_val_batches"):
        v = getattr(flags, name)
        if isinstance(v, float) and not 0.0 <= v <= 1.0:
            raise FlagError(f"`{name}` must be between 0.0 and 1.0 or an int, got {v}.")
        if isinstance(v, int) and v < 0:
            raise FlagError(f"`{name}` must be a non-negative int or a float in [0.0, 1.0], got {v}.")
    v = flags.val_check_interval
    if isinstance(v, float) and not 0.0 <= v <= 1.0:
        raise FlagError(f"`val_check_interval` should be within [0.0, 1.0] (a float) or an int >= 1, got {v}.")
    if isinstance(v, int) and v < 1:
        raise FlagError(f"`val_check_interval` should be an int >= 1 or a float within [0.0, 1.0], got {v}.")
    if flags.devices is not None and flags.devices < 1:
        raise FlagError(f"`devices` must be a positive integer, got {flags.devices}.")


def flags_from_trainer(args: dict) -> tuple[dict, dict[str, str]]:
    """A run's literal Trainer arguments as Flags values; the ones lgen cannot take, with why.

    Arguments that are not eject flags are left out (the run stage reads them)."""
    values: dict = {}
    problems: dict[str, str] = {}
    names = {f.name for f in fields(Flags)}
    for key, value in args.items():
        if key not in names:
            continue
        if key == "precision":
            text = str(value)
            if text not in PRECISION_ALIASES:
                problems[key] = f"`precision={value!r}` is not ejected (lgen takes 32-true, 16-mixed, bf16-mixed, bf16-true)"
                continue
            value = PRECISION_ALIASES[text]
        elif key == "accelerator":
            value = {"gpu": "cuda"}.get(value, value)
            if value not in ("auto", "cpu", "cuda"):
                problems[key] = f"`accelerator={value!r}` is not ejected (lgen takes auto, cpu, cuda or gpu)"
                continue
        elif key == "devices":
            if value == "auto":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                problems[key] = f"`devices={value!r}` is not ejected (lgen takes a number of devices)"
                continue
        elif key == "strategy":
            if value in ("ddp_spawn", "ddp_fork", "ddp_notebook"):
                # Lightning's `_MultiProcessingLauncher`: fit runs in new processes, the entry's
                # code after it once, in this one, with rank 0's results sent back
                problems[key] = f"`strategy={value!r}` is not ejected (lgen takes auto or ddp: \"ddp\" runs the entry's code on every rank, as the script does)"
                continue
            if value not in ("auto", "ddp"):
                problems[key] = f"`strategy={value!r}` is not ejected (lgen takes auto or ddp)"
                continue
        elif key == "gradient_clip_algorithm" and isinstance(value, str):
            value = value.lower()
        elif isinstance(value, bool) or (value is not None and not isinstance(value, (int, float, str))):
            problems[key] = f"`{key}={value!r}` is not a value Lightning takes"
            continue
        values[key] = value
    return values, problems
