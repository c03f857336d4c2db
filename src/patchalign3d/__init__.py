"""PatchAlign3D: zero-shot 3D part segmentation with patch features aligned to text.

    from patchalign3d import PatchAlign3D
    model = PatchAlign3D.from_pretrained()
    result = model.segment("chair.glb", parts=["back", "seat", "leg", "arm"])
"""

from patchalign3d.errors import PatchAlignError

__version__ = "0.1.0"
__all__ = ["PatchAlign3D", "PatchAlignError", "Segmentation", "__version__"]


def __getattr__(name: str):
    # The API pulls in torch; keep `import patchalign3d` itself light until it is used.
    if name in ("PatchAlign3D", "Segmentation"):
        from patchalign3d import segment

        return getattr(segment, name)
    raise AttributeError(f"module 'patchalign3d' has no attribute {name!r}")
