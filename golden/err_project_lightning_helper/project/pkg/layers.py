"""A building block that uses Lightning itself (a Lightning class, not one of the small utilities
lgen rewrites): lgen cannot carry it into the script."""

import torch
from lightning.pytorch.utilities.model_summary import ModelSummary


def make_net(width):
    net = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.Tanh(), torch.nn.Linear(width, 1))
    print(ModelSummary)
    return net
