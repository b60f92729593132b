"""A building block that uses Lightning itself: lgen cannot carry it into the script."""

import torch
from lightning.pytorch.utilities import rank_zero_info


def make_net(width):
    rank_zero_info(f"a net of width {width}")
    return torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.Tanh(), torch.nn.Linear(width, 1))
