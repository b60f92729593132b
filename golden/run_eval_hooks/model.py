"""A run: every validation and predict hook the model can define, recorded in order, around
standalone `validate` and `predict` (configure_model again, custom model_eval/model_train hooks, a
predict_step without batch_idx, dropout left in train mode by on_predict_model_eval)."""

import lightning as L
import torch
from torch.utils.data import DataLoader

EV = []


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(3, 1)
        self.d = torch.nn.Dropout(0.2)

    def training_step(self, batch, batch_idx):
        return self.a(batch).mean()

    def validation_step(self, batch, batch_idx):
        EV.append(("val_step", batch_idx, self.d.training, torch.is_grad_enabled(), torch.is_inference_mode_enabled()))
        return self.a(batch).sum()

    def on_validation_model_eval(self):
        EV.append("val_model_eval")
        self.eval()

    def on_validation_model_train(self):
        EV.append("val_model_train")
        self.train()

    def on_validation_start(self):
        EV.append("val_start")

    def on_validation_end(self):
        EV.append("val_end")

    def on_validation_epoch_start(self):
        EV.append("val_epoch_start")

    def on_validation_batch_start(self, batch, batch_idx):
        EV.append(("val_batch_start", batch_idx))

    def on_validation_batch_end(self, outputs, batch, batch_idx):
        EV.append(("val_batch_end", batch_idx, round(outputs.item(), 4)))

    def on_predict_model_eval(self):
        EV.append("pred_model_eval")
        self.a.eval()

    def on_predict_start(self):
        EV.append("pred_start")

    def on_predict_end(self):
        EV.append("pred_end")

    def on_predict_epoch_start(self):
        EV.append("pred_epoch_start")

    def on_predict_batch_start(self, batch, batch_idx):
        EV.append(("pred_batch_start", batch_idx))

    def predict_step(self, batch):
        return self.d(self.a(batch))

    def on_predict_batch_end(self, outputs, batch, batch_idx):
        EV.append(("pred_batch_end", batch_idx))

    def on_predict_epoch_end(self):
        EV.append("pred_epoch_end")

    def configure_model(self):
        EV.append("configure_model")

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


if __name__ == "__main__":
    L.seed_everything(3)
    model = Model()
    g = torch.Generator().manual_seed(0)
    data = torch.randn(12, 3, generator=g)
    trainer = L.Trainer(max_epochs=1, num_sanity_val_steps=0, logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(model, DataLoader(data, batch_size=4, shuffle=True))
    EV.append("--")
    print("result", trainer.validate(model, DataLoader(data, batch_size=5), verbose=True))
    preds = trainer.predict(model, DataLoader(data, batch_size=5, shuffle=True))
    print("result", [p.flatten().tolist() for p in preds])
    print("result", EV)
    print("result", [m.training for m in model.modules()], torch.rand(1).item())
    trainer.save_checkpoint("a.ckpt")
