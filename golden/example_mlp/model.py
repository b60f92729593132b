"""A small regression model, written the way Lightning's docs write them. No downloads."""

import lightning as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class LitRegressor(L.LightningModule):
    def __init__(self, lr: float = 0.05, hidden: int = 32):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Linear(8, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", nn.functional.mse_loss(self(x), y), prog_bar=True)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        return [optimizer], [scheduler]

    def _data(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(n, 8, generator=g)
        y = x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(n, 1, generator=g)
        return TensorDataset(x, y)

    def train_dataloader(self):
        return DataLoader(self._data(512, 0), batch_size=32, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self._data(128, 1), batch_size=32)


if __name__ == "__main__":
    # logger and checkpoint callback off: lgen does not write their files yet (LGEN122)
    L.Trainer(max_epochs=4, logger=False, enable_checkpointing=False).fit(LitRegressor())
