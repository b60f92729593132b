"""A mixin that defines a hook Lightning calls on the model."""

import torch


class WarmStart:
    def on_train_start(self):
        with torch.no_grad():
            self.net[0].weight.mul_(0.5)
