"""A helper that imports another helper's constant."""

import torch

from .consts import GAIN


def scaled_init(layer, scale):
    with torch.no_grad():
        layer.weight.mul_(scale * GAIN)
        layer.bias.fill_(0.1)
