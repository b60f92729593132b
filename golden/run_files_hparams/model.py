"""Lightning's logger and checkpoint callback turned on explicitly, under a literal
default_root_dir: hparams.yaml from save_hyperparameters, no validation, accumulation."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr=0.05, width=3, name="reg"):
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(4, width)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x).sum(dim=1, keepdim=True), y)
        self.log("loss", loss, prog_bar=True)
        self.log("loss_mean", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(11)
    x = torch.randn(30, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    trainer = Trainer(
        max_epochs=2,
        accumulate_grad_batches=2,
        logger=True,
        enable_checkpointing=True,
        default_root_dir="runs",
        log_every_n_steps=1,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Regressor(width=2), train_dataloaders=train)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
