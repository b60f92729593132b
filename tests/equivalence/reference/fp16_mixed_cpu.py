# Hand-written reference for lgen issue 4 (not generated): golden/accum_3/train.py with "16-mixed"
# (float16 autocast + GradScaler) and gradient_clip_val=0.5. "16-mixed" is GPU-only in Lightning
# (on CPU the Trainer switches to bf16-mixed); to check the GradScaler sequence on CPU the Lightning
# side is given the plugin explicitly:
#   Trainer(plugins=[MixedPrecision("16-mixed", "cpu", torch.amp.GradScaler("cpu"))], ...)
# On CUDA the same code runs with device type "cuda". Every change is marked "issue4".
"""Train `BaselineModel` with plain PyTorch: the loop Lightning's Trainer ran, written out.

python train.py [--seed S] [--max-epochs N] [--max-steps N] [--out-dir DIR]
    [--resume CKPT] [--accelerator cpu|cuda|auto]
"""

import argparse
import contextlib
import math
import os
import random
import sys

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class BaselineModel(torch.nn.Module):  # lgen: was L.LightningModule
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(8, 16),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(16, 1),
        )

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.loop.log("train_loss", loss, on_step=True, on_epoch=False)  # lgen: was self.log(...)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self(x), y)
        self.loop.log("val_loss", loss, on_step=False, on_epoch=True)  # lgen: was self.log(...)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

    def train_dataloader(self):
        # 80 samples / 8 = 10 batches (not a multiple of 3 or 4)
        x = torch.randn(80, 8)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(80, 1)
        return DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)

    def val_dataloader(self):
        x = torch.randn(36, 8)
        y = x.sum(dim=1, keepdim=True)
        return DataLoader(TensorDataset(x, y), batch_size=8)


# Trainer flags, baked in when this script was ejected.
MAX_EPOCHS = 2  # --max-epochs
MAX_STEPS = -1  # --max-steps
ACCUMULATE_GRAD_BATCHES = 3  # --accumulate-grad-batches
GRADIENT_CLIP_VAL = 0.5  # --gradient-clip-val
PRECISION = "16-mixed"  # issue4: --precision
LIMIT_TRAIN_BATCHES = 1.0  # --limit-train-batches (int: batches, float: fraction)
LIMIT_VAL_BATCHES = 1.0  # --limit-val-batches
NUM_SANITY_VAL_STEPS = 2  # --num-sanity-val-steps
VAL_CHECK_INTERVAL = 1.0  # --val-check-interval (int: batches, float: fraction of an epoch)
ACCELERATOR = "auto"  # --accelerator
PROGRESS_EVERY_N_BATCHES = 50  # progress lines (and their host syncs) only this often


class Loop:
    """What Lightning's Trainer kept for this run, in one place; the model reads it as `self.loop`."""

    def __init__(self, device, max_epochs, max_steps):
        self.device = device
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.current_epoch = 0
        self.global_step = 0
        self.optimizers = []
        self.lr_schedulers = []
        self.train_loader = None
        self.train_iter = None
        self.num_training_batches = 0
        self.val_loader = None
        self.val_check_batch = math.inf
        self.callback_metrics = {}
        self.stage = "train"  # "train", "validate" or "sanity_check"
        self.batch = None  # the batch being processed, for batch-size-weighted epoch means
        self.epoch_metrics = {"train": {}, "validate": {}}
        self.progress_bar_keys = []
        self.scaler = None  # issue4: MixedPrecision's torch.amp.GradScaler (16-mixed only)

    def log(
        self,
        name,
        value,
        *,
        on_step,
        on_epoch,
        prog_bar=False,
        reduce_fx="mean",
        batch_size=None,
        **_,
    ):
        """Record `value` into `callback_metrics` as Lightning's `self.log` does; never syncs with the device."""
        if self.stage == "sanity_check":
            return  # Lightning discards what the sanity check logs
        if isinstance(value, torch.Tensor):
            value = value.clone().detach()
        else:
            value = torch.tensor(value, dtype=torch.float32, device=self.device)
        value = value.squeeze()
        if value.dtype not in (torch.float32, torch.float64):
            value = value.to(torch.float32)
        if prog_bar and name not in self.progress_bar_keys:
            self.progress_bar_keys.append(name)
        if on_step and self.stage == "train":  # validation adds only epoch values
            self.callback_metrics[f"{name}_step" if on_epoch else name] = value
            if on_epoch:
                self.callback_metrics[name] = value
        if on_epoch:
            metric = self.epoch_metrics[self.stage].get(name)
            if metric is None:
                metric = self.epoch_metrics[self.stage][name] = EpochMetric(
                    reduce_fx, on_step, value.device
                )
            if reduce_fx == "mean" and batch_size is None:
                batch_size = extract_batch_size(self.batch)
            metric.update(value, batch_size)

    def log_dict(self, dictionary, **kwargs):
        for name, value in dictionary.items():
            self.log(name, value, **kwargs)

    def end_epoch_metrics(self):
        """Publish the epoch values of the current stage, as Lightning does at an epoch's or a run's end."""
        for name, metric in self.epoch_metrics[self.stage].items():
            value = metric.compute()
            self.callback_metrics[name] = value
            if metric.on_step:
                self.callback_metrics[f"{name}_epoch"] = value


class EpochMetric:
    """One value logged with on_epoch=True, reduced as Lightning's `_ResultMetric` does (float32, weighted mean)."""

    def __init__(self, reduce_fx, on_step, device):
        self.reduce_fx = reduce_fx
        self.on_step = on_step
        start = {"max": float("-inf"), "min": float("inf")}.get(reduce_fx, 0.0)
        self.value = torch.tensor(start, dtype=torch.float32, device=device)
        self.batch_size_sum = torch.tensor(0, device=device)

    def update(self, value, batch_size):
        if self.reduce_fx == "mean":
            self.value = self.value + value * batch_size
            self.batch_size_sum = self.batch_size_sum + batch_size
        elif self.reduce_fx == "sum":
            self.value = self.value + value
        elif self.reduce_fx == "max":
            self.value = torch.max(self.value, value)
        else:
            self.value = torch.min(self.value, value)

    def compute(self):
        if self.reduce_fx == "mean":
            return self.value / self.batch_size_sum
        return self.value


def extract_batch_size(batch):
    """The size of the first tensor in the batch, as Lightning infers `batch_size` for `self.log`."""
    if isinstance(batch, torch.Tensor):
        return 1 if batch.ndim == 0 else batch.size(0)
    if isinstance(batch, str):
        return 1
    if isinstance(batch, dict):
        batch = batch.values()
    if isinstance(batch, (list, tuple)) or hasattr(batch, "values"):
        for item in batch:
            size = extract_batch_size(item)
            if size is not None:
                return size
    return 1


def seed_everything(seed):
    """As `lightning.seed_everything(seed)`: Python's `random`, NumPy (when importable) and torch."""
    random.seed(seed)
    try:
        import numpy
    except ImportError:
        pass
    else:
        numpy.random.seed(seed)
    torch.manual_seed(seed)


@contextlib.contextmanager
def isolated_rng():
    """Lightning's `isolate_rng()`: whatever runs inside draws nothing from the global RNGs."""
    python_state = random.getstate()
    try:
        import numpy
    except ImportError:
        numpy = None
    numpy_state = numpy.random.get_state() if numpy is not None else None
    torch_state = torch.get_rng_state()
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    try:
        yield
    finally:
        random.setstate(python_state)
        if numpy is not None:
            numpy.random.set_state(numpy_state)
        torch.set_rng_state(torch_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)


def num_batches(loader, limit):
    """Batches per epoch after `limit_*_batches`: an int caps the count, a float is a fraction."""
    try:
        length = len(loader)
    except (TypeError, NotImplementedError):  # an IterableDataset without __len__
        length = math.inf
    if length == 0:
        return 0
    if isinstance(limit, int):
        count = min(length, limit)
    elif length != math.inf:
        count = int(length * limit)
    elif limit != 1.0:
        raise ValueError(
            "A fractional `limit_*_batches` needs a loader with a length; give an int number of batches."
        )
    else:
        count = length
    if count == 0 and limit > 0.0 and length != math.inf:
        raise ValueError(
            f"`limit_*_batches={limit!r}` gives 0 of {length} batches; raise it or use an int."
        )
    return count


def fetch(iterator, count):
    """Yield (batch_idx, batch, is_last) as Lightning's data fetcher does.

    A loader with a length is read batch by batch and never past `count`; one without is read
    one batch ahead, which is how Lightning learns that a batch is the last one.
    """
    if count != math.inf:
        for batch_idx in range(count):
            yield batch_idx, next(iterator), batch_idx + 1 == count
        return
    batch_idx = 0
    try:
        batch = next(iterator)
    except StopIteration:
        return
    while True:
        try:
            upcoming = next(iterator)
        except StopIteration:
            yield batch_idx, batch, True
            return
        yield batch_idx, batch, False
        batch, batch_idx = upcoming, batch_idx + 1


def to_device(batch, device):
    """Move every tensor in a (nested) batch to `device`, as Lightning's batch transfer does."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return type(batch)((key, to_device(value, device)) for key, value in batch.items())
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(to_device(value, device) for value in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(value, device) for value in batch)
    return batch


def step_context(loop):
    """issue4: `MixedPrecision.forward_context` for 16-mixed: float16 autocast, cache_enabled=False,
    around the `*_step` calls only."""
    return torch.autocast(loop.device.type, dtype=torch.float16, cache_enabled=False)


def optimizer_params(optimizer):
    """Lightning clips every parameter the optimizer holds, not `model.parameters()`."""
    return [p for group in optimizer.param_groups for p in group["params"]]


def configure_optimizers(model, loop):
    """Unpack `configure_optimizers()` as Lightning normalizes it; its form was read at eject time."""
    config = model.configure_optimizers()
    loop.optimizers = [config]


def train_epoch(model, loop):
    """One epoch of `Trainer.fit` under automatic optimization, batch by batch in Lightning's order.

    Returns whether the epoch reached its last batch (a `max_steps` stop can end it earlier).
    """
    optimizer = loop.optimizers[0]
    is_last = False
    for batch_idx, batch, is_last in fetch(loop.train_iter, loop.num_training_batches):
        batch = to_device(batch, loop.device)
        loop.batch = batch
        closes_window = (batch_idx + 1) % ACCUMULATE_GRAD_BATCHES == 0 or is_last

        def closure():
            """training_step, then zero_grad (first batch of a window only), then backward."""
            with step_context(loop):  # issue4: autocast around training_step only
                output = model.training_step(batch, batch_idx)
            loss = output / ACCUMULATE_GRAD_BATCHES
            if (
                batch_idx % ACCUMULATE_GRAD_BATCHES == 0
            ):  # Lightning zeroes grads after training_step, on a window's first batch
                optimizer.zero_grad()
            scaled = loop.scaler.scale(loss)  # issue4: MixedPrecision.pre_backward, before on_before_backward
            scaled.backward()
            return scaled.detach()  # Lightning's closure result is the scaled loss

        if not closes_window:
            closure()  # accumulate: no step, no zero_grad, no schedulers
        else:
            # issue4: MixedPrecision.optimizer_step: the closure runs first, outside optimizer.step;
            # then unscale_, on_before_optimizer_step, clipping (unscaled grads), step, update
            loss = closure()
            if loss is not None:
                loop.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(optimizer_params(optimizer), GRADIENT_CLIP_VAL)
            if loss is not None:
                loop.scaler.step(optimizer)  # skipped on inf/NaN grads
                loop.scaler.update()
            loop.global_step += 1  # also when the scaler skipped the step or the loss was None
        if (batch_idx + 1) % PROGRESS_EVERY_N_BATCHES == 0:
            report(
                loop,
                f"epoch {loop.current_epoch}  batch {batch_idx + 1}/{loop.num_training_batches}",
            )
        if (
            is_last
            if loop.val_check_batch == math.inf
            else (batch_idx + 1) % loop.val_check_batch == 0
        ):
            if closes_window:  # Lightning clears gradients before validating, unless mid-window
                model.zero_grad()
            validate(model, loop)
        if loop.max_steps != -1 and loop.global_step >= loop.max_steps:
            break
    return is_last


def report(loop, where):
    """A progress line; the only place the loop reads metric values back from the device."""
    shown = "  ".join(
        f"{key}={loop.callback_metrics[key].item():.4g}"
        for key in loop.progress_bar_keys
        if key in loop.callback_metrics
    )
    print(f"{where}  step {loop.global_step}  {shown}".rstrip(), file=sys.stderr, flush=True)


@torch.no_grad()  # Lightning validates during fit under no_grad (not inference_mode)
def validate(model, loop, max_batches=None):
    """One validation run, in Lightning's hook order; it restores every submodule's train/eval flag after."""
    if loop.val_loader is None:
        loop.val_loader = model.val_dataloader()
    count = num_batches(loop.val_loader, LIMIT_VAL_BATCHES)
    if max_batches is not None:
        count = min(count, max_batches)
    if count == 0:
        return
    stage, loop.stage = loop.stage, ("sanity_check" if max_batches is not None else "validate")
    loop.epoch_metrics["validate"] = {}
    # every validation run's iter() draws from torch's RNG, as in Lightning
    batches = fetch(iter(loop.val_loader), count)
    modes = {module: module.training for module in model.modules()}
    model.eval()
    for batch_idx, batch, _ in batches:
        batch = to_device(batch, loop.device)
        loop.batch = batch
        with step_context(loop):  # issue4: autocast around validation_step only
            model.validation_step(batch, batch_idx)
    if loop.stage == "validate":
        loop.end_epoch_metrics()
    loop.stage = stage
    for module, training in modes.items():
        module.training = training


def setup_train_data(model, loop):
    """Lightning's `_FitLoop.setup_data`: the train loader, its batch count, and epoch 0's iterator."""
    loop.train_loader = model.train_dataloader()
    loop.num_training_batches = num_batches(loop.train_loader, LIMIT_TRAIN_BATCHES)
    # Lightning creates epoch 0's iterator here, before on_train_start: iter() draws from torch's RNG
    loop.train_iter = iter(loop.train_loader)
    if loop.num_training_batches == math.inf:
        if VAL_CHECK_INTERVAL != 1.0:
            raise ValueError(
                "A train loader without a length needs `val_check_interval` 1.0 or an int."
            )
        loop.val_check_batch = math.inf
    else:
        loop.val_check_batch = max(1, int(loop.num_training_batches * VAL_CHECK_INTERVAL))


def fit(model, loop, resume=None):
    """`Trainer.fit(model)`: set-up hooks, optimizers, the sanity check, then epochs until a limit is reached."""
    checkpoint = load_checkpoint(resume, model) if resume is not None else None
    model.to(loop.device)
    configure_optimizers(model, loop)
    if checkpoint is not None:
        restore_training_state(checkpoint, loop)
    model.zero_grad()  # Lightning sets every gradient to None once before fitting
    # The sanity check draws nothing from the RNGs, and what it logs is discarded.
    with isolated_rng():
        validate(model, loop, max_batches=NUM_SANITY_VAL_STEPS)
    setup_train_data(model, loop)
    if loop.num_training_batches == 0 or fit_done(loop):
        return
    first_epoch = True
    while not fit_done(loop):
        loop.epoch_metrics["train"] = {}
        if not first_epoch:
            # later epochs get their iterator after on_train_epoch_start, as in Lightning
            loop.train_iter = iter(loop.train_loader)
        first_epoch = False
        reached_end = train_epoch(model, loop)
        loop.end_epoch_metrics()
        report(
            loop, f"epoch {loop.current_epoch} done{'' if reached_end else ' (max_steps reached)'}"
        )
        loop.current_epoch += 1


def fit_done(loop):
    """Lightning stops once `max_steps` optimizer steps are taken or `max_epochs` epochs are run (-1: no limit)."""
    if loop.max_steps != -1 and loop.global_step >= loop.max_steps:
        return True
    return loop.max_epochs != -1 and loop.current_epoch >= loop.max_epochs


def save_checkpoint(path, model, loop):
    """`trainer.save_checkpoint(path)`'s training state, written atomically; loads with weights_only=True."""
    checkpoint = {
        "epoch": loop.current_epoch,
        "global_step": loop.global_step,
        "state_dict": model.state_dict(),
        "optimizer_states": [optimizer.state_dict() for optimizer in loop.optimizers],
        "lr_schedulers": [scheduler.state_dict() for scheduler in loop.lr_schedulers],
    }
    if loop.scaler is not None:  # issue4: Lightning stores the GradScaler as checkpoint["MixedPrecision"]
        checkpoint["MixedPrecision"] = loop.scaler.state_dict()
    tmp = f"{path}.tmp"
    torch.save(checkpoint, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, model):
    """Read a checkpoint written by this script or by Lightning, and load the model's weights."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a Lightning checkpoint with pickled extras
        raise SystemExit(
            f"{path}: cannot be loaded with weights_only=True ({exc}). Re-save it with only the training state."
        ) from None
    model.load_state_dict(checkpoint["state_dict"])
    return checkpoint


def restore_training_state(checkpoint, loop):
    """Optimizer and scheduler states and the counters, as Lightning restores them after `on_fit_start`."""
    for optimizer, state in zip(loop.optimizers, checkpoint["optimizer_states"], strict=True):
        optimizer.load_state_dict(state)
    for scheduler, state in zip(loop.lr_schedulers, checkpoint["lr_schedulers"], strict=True):
        scheduler.load_state_dict(state)
    loop.current_epoch = checkpoint["epoch"]
    loop.global_step = checkpoint["global_step"]


def pick_device(accelerator):
    if accelerator == "cuda" or (accelerator == "auto" and torch.cuda.is_available()):
        return torch.device("cuda", 0)
    return torch.device("cpu")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed as lightning.seed_everything does (default: none)",
    )
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS, help="default: %(default)s")
    parser.add_argument("--max-steps", type=int, default=MAX_STEPS, help="default: %(default)s")
    parser.add_argument(
        "--out-dir", default="lgen_out", help="where last.ckpt goes (default: %(default)s)"
    )
    parser.add_argument(
        "--resume", default=None, help="a checkpoint written by this script or by Lightning"
    )
    parser.add_argument(
        "--accelerator",
        choices=["cpu", "cuda", "auto"],
        default=ACCELERATOR,
        help="default: %(default)s",
    )
    args = parser.parse_args(argv)

    if args.seed is not None:
        seed_everything(args.seed)
    model = BaselineModel()
    loop = Loop(pick_device(args.accelerator), args.max_epochs, args.max_steps)
    loop.scaler = torch.amp.GradScaler(loop.device.type)  # issue4: torch defaults (init_scale 2**16)
    model.loop = loop
    fit(model, loop, resume=args.resume)
    os.makedirs(args.out_dir, exist_ok=True)
    save_checkpoint(os.path.join(args.out_dir, "last.ckpt"), model, loop)
    print(
        f"saved {os.path.join(args.out_dir, 'last.ckpt')} (epoch {loop.current_epoch}, step {loop.global_step})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
