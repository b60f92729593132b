"""A notebook-style run at module level: one name bound to two Trainers in turn, the second in
a loop that makes a Trainer per learning rate, `max_epochs` computed, each fit on a new model."""

import os

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset

CHECKPOINT_PATH = os.environ.get("CKPT_DIR", "saved_models")


class Classifier(LightningModule):
    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.net(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_acc", (self.net(x).argmax(dim=1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


seed_everything(5)
x = torch.randn(40, 3)
y = (x[:, 0] > 0).long()
train_loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
val_loader = DataLoader(TensorDataset(x[:16], y[:16]), batch_size=8)

trainer = Trainer(default_root_dir=os.path.join(CHECKPOINT_PATH, "base"), max_epochs=2, log_every_n_steps=3, enable_progress_bar=False)
model = Classifier(lr=0.01)
trainer.fit(model, train_loader, val_loader)
print("result base", trainer.callback_metrics["val_acc"].item())

for i, lr in enumerate([0.03, 0.003]):
    trainer = Trainer(
        default_root_dir=os.path.join(CHECKPOINT_PATH, f"lr{i}"),
        max_epochs=i + 1,
        log_every_n_steps=3,
        enable_progress_bar=False,
    )
    model = Classifier(lr=lr)
    trainer.fit(model, train_loader, val_loader)
    print("result", lr, trainer.current_epoch, trainer.global_step, trainer.callback_metrics["val_acc"].item())
