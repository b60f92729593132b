"""`trainer.test(model)` after `fit(model, datamodule=dm)` takes the model's test_dataloader, not the
datamodule's (Lightning's attach_data); the model has none, so Lightning raises."""

import lightning as L
import torch
from torch.utils.data import DataLoader


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        return self.a(batch).mean()

    def test_step(self, batch, batch_idx):
        self.log("t", self.a(batch).mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class DM(L.LightningDataModule):
    def train_dataloader(self):
        return DataLoader(torch.randn(8, 3), batch_size=4)

    def test_dataloader(self):
        return DataLoader(torch.randn(8, 3), batch_size=4)


if __name__ == "__main__":
    model = Model()
    dm = DM()
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=dm)
    print(trainer.test(model, verbose=False))
