from .lit import LitModel

__all__ = ["LitModel"]
