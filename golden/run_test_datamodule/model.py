"""A run: `trainer.test(model, datamodule=dm)` with the datamodule fit was given (its
prepare_data, setup("test"), shuffled test_dataloader and teardown("test")), then
`trainer.predict(model, dataloaders=...)` without a predict_step (Lightning calls forward), which
still calls the fit's datamodule's setup("predict"). Dropout shows eval mode; hooks that draw from
the RNG show the draw order."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

EVENTS = []


def stage_name(stage):
    return next(s for s in ("fit", "validate", "test", "predict") if stage == s)


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self(x), y)
        self.log("loss", loss, prog_bar=True)
        return loss

    def test_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("test_acc", (logits.argmax(1) == y).float().mean())
        self.log("test_loss", torch.nn.functional.cross_entropy(logits, y), reduce_fx="sum")

    def on_test_epoch_start(self):
        EVENTS.append(f"test_epoch_start:{torch.rand(1).item():.6f}")

    def prepare_data(self):
        EVENTS.append("model.prepare_data")

    def setup(self, stage):
        EVENTS.append(f"model.setup:{stage_name(stage)}")

    def teardown(self, stage):
        EVENTS.append(f"model.teardown:{stage_name(stage)}")

    def on_predict_start(self):
        EVENTS.append(f"predict_start:{self.body[2].training}")

    def on_predict_batch_end(self, outputs, batch, batch_idx):
        EVENTS.append(f"predict_batch_end:{batch_idx}:{tuple(outputs.shape)}")

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=0.01)


class Data(L.LightningDataModule):
    def prepare_data(self):
        EVENTS.append("dm.prepare_data")

    def setup(self, stage):
        EVENTS.append(f"dm.setup:{stage_name(stage)}")
        g = torch.Generator().manual_seed(1)
        x = torch.randn(70, 3, generator=g)
        self.train_set = TensorDataset(x[:48], (x[:48].sum(1) > 0).long())
        self.test_set = TensorDataset(x[48:], (x[48:].sum(1) > 0).long())

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=16, shuffle=True)

    def test_dataloader(self):
        return DataLoader(self.test_set, batch_size=5, shuffle=True)  # 5, 5, 5, 5, 2

    def teardown(self, stage):
        EVENTS.append(f"dm.teardown:{stage_name(stage)}")


if __name__ == "__main__":
    L.seed_everything(5)
    model = Model()
    dm = Data()
    trainer = L.Trainer(max_epochs=2, limit_test_batches=4, logger=False, enable_checkpointing=False, enable_progress_bar=False, accelerator="cpu")
    trainer.fit(model, datamodule=dm)
    out = trainer.test(model, datamodule=dm)
    print("result test", out)
    print("result callback", sorted((k, v.item()) for k, v in trainer.callback_metrics.items()))
    inputs = torch.randn(7, 3)
    predictions = trainer.predict(model, dataloaders=DataLoader(inputs, batch_size=3))
    print("result predictions", len(predictions), torch.cat(predictions).tolist())
    print("result callback after predict", dict(trainer.callback_metrics))
    print("result events", EVENTS)
    print("result training", model.training, model.body[2].training, torch.rand(1).item())
    trainer.save_checkpoint("checkpoints/final.ckpt")
