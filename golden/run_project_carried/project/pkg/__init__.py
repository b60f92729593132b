"""The package imports Lightning (and everything else) when any of its modules is imported."""

import lightning.pytorch as pl

from .layers import Residual, make_net
from .models import Regressor

__all__ = ["Regressor", "Residual", "make_net", "pl"]
