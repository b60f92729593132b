"""save_hyperparameters() in a base class's __init__ (`ignore=` a class attribute a subclass
overrides): Lightning collects the arguments of every `__init__` of the model on the calling
frames, a subclass's overriding its base's (`lr` is saved as the subclass got it, not as it passed
it on), `**kwargs` merged in; the base reads them back before the subclass's `__init__` goes on.
hparams.yaml, the checkpoints' `hyper_parameters` and the numbers read what Lightning saved."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class BaseTask(LightningModule):
    ignore = "backbone"

    def __init__(self, lr=0.5, momentum=0.0):
        super().__init__()
        self.save_hyperparameters(ignore=self.ignore)
        self.configure_models()

    def configure_models(self):
        raise NotImplementedError

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr, momentum=self.hparams.momentum)


class RegressionTask(BaseTask):
    ignore = ["backbone", "note"]

    def __init__(self, width=3, lr=0.1, backbone=None, **kwargs):
        super().__init__(lr=lr / 2, momentum=0.5)
        self.backbone = backbone

    def configure_models(self):
        self.layer = torch.nn.Linear(4, self.hparams.width)

    def training_step(self, batch, batch_idx):
        x, y = batch
        out = self.layer(self.backbone(x)).sum(dim=1, keepdim=True) * self.hparams.scale
        loss = torch.nn.functional.mse_loss(out, y)
        self.log("loss", loss)
        return loss


def main():
    seed_everything(7)
    x = torch.randn(20, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    model = RegressionTask(2, 0.05, backbone=torch.nn.Tanh(), scale=0.5, note="not saved", tag="kw")
    print("result hparams", sorted(model.hparams.items()))
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, train)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
