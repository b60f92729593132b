"""Plain PyTorch, in a package that does not import Lightning: the script imports it."""

import torch


def jitter(y):
    return y + 0.1 * torch.sin(3.0 * y)
