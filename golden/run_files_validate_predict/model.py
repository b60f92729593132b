"""A run with Lightning's default logger: `trainer.validate(model, dataloaders=...)` after fit
(under limit_val_batches, with a step-and-epoch value and an epoch-end log), then
`trainer.predict(model, loader)`. Each stage logs its hyperparameters at its start and finalizes
the logger at its end (with tensorboard installed: a new event file for validate, none for
predict, which logs nothing and has no hyperparameters)."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Model(LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(5, 12), torch.nn.BatchNorm1d(12), torch.nn.Tanh(), torch.nn.Linear(12, 1))
        self.seen = []

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.l1_loss(self(x), y)
        self.log("val_l1", loss, on_step=True, on_epoch=True)
        self.log("val_min", loss, reduce_fx="min")
        return loss

    def on_validation_epoch_end(self):
        self.seen.append(sorted(self.trainer.callback_metrics))
        self.log("val_epochs", float(len(self.seen)))

    def predict_step(self, batch, batch_idx, dataloader_idx=0):
        x, _ = batch
        return self(x) * 10 + batch_idx

    def on_predict_epoch_start(self):
        self.seen.append(["predict_epoch_start", self.net[1].training])

    def on_predict_epoch_end(self):
        self.seen.append(["predict_epoch_end"])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.5)


def main():
    seed_everything(21)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(100, 5, generator=g)
    y = x.sum(1, keepdim=True).sin()
    train_loader = DataLoader(TensorDataset(x[:60], y[:60]), batch_size=10, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[60:], y[60:]), batch_size=7)  # 7, 7, 7 under the limit
    model = Model()
    trainer = Trainer(max_epochs=2, limit_val_batches=3, limit_predict_batches=2, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model, train_loader, val_loader)
    print("result fit", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    trainer.save_checkpoint("final.ckpt")  # before validate / predict: their loops' progress is not in the script's checkpoints yet
    metrics = trainer.validate(model, dataloaders=val_loader)
    print("result validate", metrics)
    print("result callback", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    shuffled = DataLoader(TensorDataset(x[60:], y[60:]), batch_size=6, shuffle=True)
    predictions = trainer.predict(model, shuffled)
    print("result predictions", [p.flatten().tolist() for p in predictions])
    print("result seen", model.seen, [m.training for m in model.modules()])


if __name__ == "__main__":
    main()
