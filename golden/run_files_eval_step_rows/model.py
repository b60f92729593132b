"""Lightning's default logger writes a metrics.csv row per validation / test batch for the values
logged with `on_step=True` in their batch hooks: in fit's validation (the step counts the batches
validated over the whole fit, no epoch column), and in `validate` / `test` after fit (counted from
0 in each call). A value logged in one batch only stays in the later batches' rows; a batch that
logs nothing writes no row."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("val_loss", loss, on_step=True)
        self.log("val_abs", (self.layer(x) - y).abs().mean(), on_step=True, on_epoch=False)

    def on_validation_batch_end(self, outputs, batch, batch_idx):
        if batch_idx == 0:
            self.log("first_batch", batch[0].sum(), on_step=True, on_epoch=False)

    def test_step(self, batch, batch_idx):
        x, y = batch
        if batch_idx != 1:  # batch 1 logs nothing: no row for it
            self.log("test_loss", torch.nn.functional.mse_loss(self.layer(x), y), on_step=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    seed_everything(3)
    x = torch.randn(30, 4)
    y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(30, 1)
    train = DataLoader(TensorDataset(x[:16], y[:16]), batch_size=4, shuffle=True)
    val = DataLoader(TensorDataset(x[16:], y[16:]), batch_size=4)
    trainer = Trainer(max_epochs=3, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False)
    model = Regressor()
    trainer.fit(model, train, val)
    print("result", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    print("result validate", trainer.validate(model, val, verbose=False))
    print("result test", trainer.test(model, val, verbose=False))
