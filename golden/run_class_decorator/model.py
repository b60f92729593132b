"""Class decorators of the file's own that return the class itself: `@under_review()` (as
lightning-bolts' stability.py: it wraps `__init__` to warn and prefixes the docstring) and
`@documented` (sets `__doc__`) stay in the script as written. The model reads its docstring,
and its `save_hyperparameters()` in the decorated base's `__init__` stops collecting at the
wrapper's frame (no `__class__` there): the subclass's `width` is not saved, so `hparams`
holds the base's `lr` only, as Lightning's."""

import functools
import inspect
from warnings import filterwarnings, warn

import torch
from lightning.pytorch import LightningModule, Trainer, seed_everything
from torch.utils.data import DataLoader, TensorDataset


class UnderReviewWarning(Warning):
    pass


def under_review():
    """The decorated class or callable warns when it is made or called."""

    def decorator(cls_or_callable, feature_name=None, was_class=False):
        if feature_name is None:
            feature_name = cls_or_callable.__qualname__
        message = f"The feature {feature_name} is currently marked under review."
        filterwarnings("once", message, UnderReviewWarning)
        if inspect.isclass(cls_or_callable):
            cls_or_callable.__init__ = decorator(cls_or_callable.__init__, feature_name=cls_or_callable.__qualname__, was_class=True)
            cls_or_callable.__doc__ = f"Under review. {cls_or_callable.__doc__}"
            return cls_or_callable

        @functools.wraps(cls_or_callable)
        def wrapper(*args, **kwargs):
            warn(message, UnderReviewWarning, stacklevel=2)
            return cls_or_callable(*args, **kwargs)

        return wrapper

    return decorator


def documented(cls):
    cls.__doc__ = "A regressor whose docstring scales its loss."
    return cls


@under_review()
class Base(LightningModule):
    def __init__(self, lr=0.1):
        super().__init__()
        self.save_hyperparameters()
        self.scale = len(type(self).__doc__) / 40

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


@under_review()
@documented
class Regressor(Base):
    def __init__(self, width=3):
        super().__init__(lr=0.05)
        self.layer = torch.nn.Linear(4, width)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x).sum(dim=1, keepdim=True), y) * self.scale
        self.log("loss", loss)
        return loss


def main():
    seed_everything(3)
    x = torch.randn(20, 4)
    y = x.sum(dim=1, keepdim=True)
    train = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
    model = Regressor(2)
    print("result hparams", sorted(model.hparams.items()), model.scale)
    trainer = Trainer(max_epochs=2, log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, train)
    for key, value in sorted(trainer.callback_metrics.items()):
        print("result", key, value.item())


if __name__ == "__main__":
    main()
