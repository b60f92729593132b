"""A realistic ~300-line LightningModule for the eject-latency benchmark.

A small transformer-style sequence classifier on synthetic data: the kind of model file a
team keeps in a repository, with a config object, helper functions, several hooks, validation
metrics, a warmup + cosine schedule stepped per optimizer step, and docstrings. It uses
automatic optimization with one optimizer, so `lgen eject` takes it as is. Nothing is
downloaded; the data are generated from a seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import lightning as L
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset


@dataclass
class ModelConfig:
    """Hyper-parameters of the classifier, kept in one place."""

    vocab_size: int = 64
    seq_len: int = 24
    d_model: int = 48
    n_heads: int = 4
    n_layers: int = 2
    n_classes: int = 5
    dropout: float = 0.1
    lr: float = 3e-3
    weight_decay: float = 0.01
    warmup_steps: int = 20
    total_steps: int = 400
    label_smoothing: float = 0.05
    train_size: int = 1024
    val_size: int = 256
    batch_size: int = 32


class SyntheticSequences(Dataset):
    """Token sequences whose class is a function of the token counts.

    Every item is computed from its index and a seed, so the data set needs no storage and
    is the same on every run.
    """

    def __init__(self, n: int, cfg: ModelConfig, seed: int):
        self.n = n
        self.cfg = cfg
        g = torch.Generator().manual_seed(seed)
        self.tokens = torch.randint(1, cfg.vocab_size, (n, cfg.seq_len), generator=g)
        lengths = torch.randint(cfg.seq_len // 2, cfg.seq_len + 1, (n,), generator=g)
        positions = torch.arange(cfg.seq_len).expand(n, -1)
        self.tokens[positions >= lengths[:, None]] = 0  # padding
        self.labels = self._label(self.tokens, cfg.n_classes)

    @staticmethod
    def _label(tokens: torch.Tensor, n_classes: int) -> torch.Tensor:
        """The class: a hash of how many even and how many large tokens a sequence holds."""
        even = ((tokens % 2 == 0) & (tokens > 0)).sum(dim=1)
        large = (tokens > 40).sum(dim=1)
        return (even * 3 + large) % n_classes

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, idx: int):
        return {"tokens": self.tokens[idx], "label": self.labels[idx]}


def padding_mask(tokens: torch.Tensor) -> torch.Tensor:
    """True where a position is padding (token 0), as `nn.MultiheadAttention` expects."""
    return tokens == 0


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the sequence dimension of the positions that are not padding."""
    keep = (~mask).unsqueeze(-1).to(x.dtype)
    return (x * keep).sum(dim=1) / keep.sum(dim=1).clamp_min(1.0)


def warmup_cosine(step: int, warmup: int, total: int, floor: float = 0.05) -> float:
    """Learning-rate multiplier: linear warmup, then a cosine decay down to `floor`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


class Block(nn.Module):
    """A pre-norm transformer block: attention, then a feed-forward layer, both residual."""

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(
            nn.Linear(d_model, 4 * d_model),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(4 * d_model, d_model),
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        h, _ = self.attn(h, h, h, key_padding_mask=mask, need_weights=False)
        x = x + self.drop(h)
        return x + self.drop(self.ff(self.norm2(x)))


class SequenceClassifier(L.LightningModule):
    """Classify token sequences with a small transformer encoder.

    Logs the training loss every step, accuracy and loss per validation epoch, the learning
    rate, and the gradient norm before each optimizer step.
    """

    def __init__(
        self,
        vocab_size: int = 64,
        seq_len: int = 24,
        d_model: int = 48,
        n_heads: int = 4,
        n_layers: int = 2,
        n_classes: int = 5,
        dropout: float = 0.1,
        lr: float = 3e-3,
        weight_decay: float = 0.01,
        warmup_steps: int = 20,
        total_steps: int = 400,
        label_smoothing: float = 0.05,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.cfg = ModelConfig(
            vocab_size=vocab_size,
            seq_len=seq_len,
            d_model=d_model,
            n_heads=n_heads,
            n_layers=n_layers,
            n_classes=n_classes,
            dropout=dropout,
            lr=lr,
            weight_decay=weight_decay,
            warmup_steps=warmup_steps,
            total_steps=total_steps,
            label_smoothing=label_smoothing,
        )
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, seq_len, d_model))
        self.blocks = nn.ModuleList(Block(d_model, n_heads, dropout) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)
        self.register_buffer("class_counts", torch.zeros(n_classes))
        self.register_buffer("val_correct", torch.tensor(0.0))
        self.register_buffer("val_seen", torch.tensor(0.0))
        self._init_weights()

    # ------------------------------------------------------------------ model

    def _init_weights(self) -> None:
        """Small normal initialisation for embeddings and linear layers, as GPT-style models do."""
        nn.init.normal_(self.pos, std=0.02)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = padding_mask(tokens)
        x = self.embed(tokens) + self.pos[:, : tokens.size(1)]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(masked_mean(self.norm(x), mask))

    def _shared_step(self, batch):
        """Logits, loss and the number of correct predictions for one batch."""
        logits = self(batch["tokens"])
        loss = F.cross_entropy(logits, batch["label"], label_smoothing=self.hparams.label_smoothing)
        correct = (logits.argmax(dim=-1) == batch["label"]).sum()
        return logits, loss, correct

    # --------------------------------------------------------------- training

    def on_train_epoch_start(self):
        self.class_counts.zero_()

    def training_step(self, batch, batch_idx):
        _, loss, correct = self._shared_step(batch)
        self.class_counts += torch.bincount(batch["label"], minlength=self.cfg.n_classes).float()
        self.log("train_loss", loss, prog_bar=True)
        self.log("train_acc", correct.float() / batch["label"].numel(), on_step=False, on_epoch=True)
        return {"loss": loss, "correct": correct.detach()}

    def on_before_optimizer_step(self, optimizer):
        norms = [p.grad.detach().norm() for p in self.parameters() if p.grad is not None]
        if norms:
            self.log("grad_norm", torch.stack(norms).norm(), on_step=True, on_epoch=False)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        lr = self.optimizers().param_groups[0]["lr"]
        self.log("lr", lr, on_step=True, on_epoch=False)

    def on_train_epoch_end(self):
        share = self.class_counts / self.class_counts.sum().clamp_min(1.0)
        self.log("train_class_max_share", share.max())

    # ------------------------------------------------------------- validation

    def on_validation_epoch_start(self):
        self.val_correct.zero_()
        self.val_seen.zero_()

    def validation_step(self, batch, batch_idx):
        _, loss, correct = self._shared_step(batch)
        self.val_correct += correct
        self.val_seen += batch["label"].numel()
        self.log("val_loss", loss, prog_bar=True)

    def on_validation_epoch_end(self):
        self.log("val_acc", self.val_correct / self.val_seen.clamp_min(1.0), prog_bar=True)

    # ------------------------------------------------------------- optimizers

    def _parameter_groups(self):
        """Weight decay on matrices only: biases, norms, embeddings and positions are exempt."""
        decay, no_decay = [], []
        for name, param in self.named_parameters():
            if not param.requires_grad:
                continue
            if param.ndim < 2 or "norm" in name or "embed" in name or name == "pos":
                no_decay.append(param)
            else:
                decay.append(param)
        return [
            {"params": decay, "weight_decay": self.hparams.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self._parameter_groups(), lr=self.hparams.lr, betas=(0.9, 0.95))
        warmup, total = self.hparams.warmup_steps, self.hparams.total_steps
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(step, warmup, total))
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1},
        }

    # ------------------------------------------------------------------- data

    def _dataset(self, n: int, seed: int) -> SyntheticSequences:
        cfg = ModelConfig(
            vocab_size=self.hparams.vocab_size,
            seq_len=self.hparams.seq_len,
            n_classes=self.hparams.n_classes,
        )
        return SyntheticSequences(n, cfg, seed)

    def train_dataloader(self):
        return DataLoader(self._dataset(ModelConfig.train_size, 0), batch_size=ModelConfig.batch_size, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self._dataset(ModelConfig.val_size, 1), batch_size=2 * ModelConfig.batch_size)


def summarize(model: nn.Module) -> str:
    """A one-line parameter count, for the command line below."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return f"{type(model).__name__}: {total:,} parameters ({trainable:,} trainable)"


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    """Accuracy of `model` on `loader`, without gradients."""
    model.eval()
    correct = seen = 0
    with torch.no_grad():
        for batch in loader:
            logits = model(batch["tokens"])
            correct += int((logits.argmax(dim=-1) == batch["label"]).sum())
            seen += batch["label"].numel()
    return correct / max(1, seen)


if __name__ == "__main__":
    model = SequenceClassifier()
    print(summarize(model))
    trainer = L.Trainer(max_epochs=4, gradient_clip_val=1.0)
    trainer.fit(model)
    print(f"val accuracy: {evaluate(model, model.val_dataloader()):.3f}")
