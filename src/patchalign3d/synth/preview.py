"""The synthetic categories at a glance: one sheet of shapes coloured by part (`patchalign3d synth`
writes it as ``preview.png``; the engine itself draws nothing)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from patchalign3d.eval.viz import contact_sheet, render_preview
from patchalign3d.synth.engine import category_names, make_shape

PREVIEW_SEED_OFFSET = 10**6
"""Preview shapes are drawn with indices from here on, apart from any dataset shape."""


def preview_labels(made: dict) -> tuple[np.ndarray, list[str]]:
    """Per sampled point of `make_shape`'s output, the index of its part's primary label (-1 on
    unlabelled clutter); the labels."""
    shape = made["shape"]
    labels = list(dict.fromkeys(shape.part_names))
    part_label = np.array([labels.index(name) for name in shape.part_names] + [-1])  # face_part -1 -> -1
    return part_label[shape.face_part[made["point2face"]]], labels


def write_preview(
    path: str | os.PathLike, categories: Sequence[str] | None = None, seed: int = 0, front: str = "+x",
    per_category: int = 1, size: int = 220, columns: int = 8, variation=None,
) -> Path:
    """PNG sheet of ``per_category`` shapes per category, points coloured by part label.

    Uses the project's point renderer (:func:`patchalign3d.eval.viz.render_preview`) and
    :func:`patchalign3d.eval.viz.contact_sheet`; shape k is drawn with seed ``(seed,
    PREVIEW_SEED_OFFSET + k)``, with ``variation`` as in :func:`~.engine.generate_shape`. Returns the path.
    """
    names = list(categories) if categories else category_names()
    pictures, captions = [], []
    for k, name in enumerate(names):
        for j in range(per_category):
            made = make_shape(name, seed, PREVIEW_SEED_OFFSET + k * per_category + j, front, 3000, variation)
            point_label, labels = preview_labels(made)
            pictures.append(render_preview(made["points"], point_label, labels, None, views=["3/4"], size=size, show_share=False))
            captions.append(name)
    contact_sheet(pictures, path, columns=columns, captions=captions)
    return Path(path)
