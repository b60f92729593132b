from .synthetic import Data

__all__ = ["Data"]
