"""PatchAlign3D: zero-shot 3D part segmentation with patch features aligned to text."""

from patchalign3d.errors import PatchAlignError

__version__ = "0.1.0"
__all__ = ["PatchAlignError", "__version__"]
