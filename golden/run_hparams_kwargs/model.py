"""save_hyperparameters with `*args` (dropped, as Lightning drops them), `**kwargs` (merged in),
keyword-only parameters, a parameter reassigned before the call (its new value is saved) and
`ignore=` dropping a module argument and a keyword: hparams.yaml and the checkpoints'
`hyper_parameters`, and the numbers, read what Lightning saved."""

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class Regressor(LightningModule):
    def __init__(self, lr, width=3, *args, backbone=None, **kwargs):
        super().__init__()
        width = width + 1
        self.save_hyperparameters(ignore=["backbone", "note"])
        self.backbone = backbone
        self.layer = torch.nn.Linear(4, self.hparams.width)

    def training_step(self, batch, batch_idx):
        x, y = batch
        out = self.layer(self.backbone(x)).sum(dim=1, keepdim=True) * self.hparams.scale
        loss = torch.nn.functional.mse_loss(out, y)
        self.log("loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def main():
    seed_everything(5)
    x = torch.randn(20, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    model = Regressor(0.05, 2, "dropped", backbone=torch.nn.Tanh(), scale=0.5, note="not saved", tag="kw")
    print("result hparams", sorted(model.hparams.items()))
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, train)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
