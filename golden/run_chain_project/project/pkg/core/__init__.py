"""Re-exports the task base."""

from .base import BaseTask

__all__ = ["BaseTask"]
