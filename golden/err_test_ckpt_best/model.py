"""`trainer.test(..., ckpt_path="best")` needs the fit's checkpoint files: not ejected yet."""

import torch
from lightning.pytorch import LightningModule, Trainer
from torch.utils.data import DataLoader


class Model(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch).pow(2).mean()

    def test_step(self, batch, batch_idx):
        self.log("test_loss", self.layer(batch).pow(2).mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main():
    loader = DataLoader(torch.randn(16, 4), batch_size=4)
    model = Model()
    trainer = Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False)
    trainer.fit(model, loader)
    trainer.test(model, dataloaders=loader, ckpt_path="best")


if __name__ == "__main__":
    main()
