"""A tutorial-style run: everything at module level (the loop must exist before it runs),
a dropout model, a StepLR scheduler, validation twice an epoch, loaders positional."""
import os

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 16 if torch.cuda.is_available() else 8
pl.seed_everything(11)


class LitClassifier(pl.LightningModule):
    def __init__(self, hidden=24):
        super().__init__()
        self.l1 = torch.nn.Linear(6, hidden)
        self.drop = torch.nn.Dropout(0.2)
        self.l2 = torch.nn.Linear(hidden, 3)

    def forward(self, x):
        return self.l2(self.drop(torch.relu(self.l1(x))))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.cross_entropy(self(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", F.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=3e-3)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.7)}


x = torch.randn(100, 6)
y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
train_loader = DataLoader(TensorDataset(x[:80], y[:80]), batch_size=BATCH_SIZE, shuffle=True)
val_loader = DataLoader(TensorDataset(x[80:], y[80:]), batch_size=6)

model = LitClassifier()
trainer = pl.Trainer(max_epochs=4, logger=False, enable_checkpointing=False, enable_progress_bar=False, val_check_interval=0.5)
trainer.fit(model, train_loader, val_loader)
print("result", {k: round(v.item(), 8) for k, v in trainer.callback_metrics.items()})
trainer.save_checkpoint(os.path.join("ckpts", "final.ckpt"))
