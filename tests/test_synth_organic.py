"""Tests of the organic (blended skeleton) shapes and the living-thing categories of the synthetic engine."""

from __future__ import annotations

import re

import numpy as np
import pytest
import trimesh

from patchalign3d.data.parts_mesh import load_part_meshes
from patchalign3d.synth.categories import CATEGORIES
from patchalign3d.synth.engine import generate_shape, glb_bytes, make_shape
from patchalign3d.synth.organic import Organic
from patchalign3d.synth.parts import PartBuilder

LIVING_MODULES = ("categories_animals", "categories_people", "categories_plants")
LIVING = sorted(n for n, s in CATEGORIES.items() if s.build.__module__.rsplit(".", 1)[-1] in LIVING_MODULES)


def _creature() -> Organic:
    o = Organic()
    o.ellipsoid("body", (0, 0, 0), (0.5, 0.25, 0.2))
    o.sphere("head", (0.6, 0.2, 0), 0.15)
    o.chain("leg", [(0.3, -0.1, 0.1), (0.35, -0.4, 0.12), (0.3, -0.7, 0.12)], [0.06, 0.05, 0.04])
    o.capsule("whisker", (0.7, 0.2, 0.05), (0.9, 0.25, 0.1), 0.001)  # far thinner than a grid cell
    return o


def test_blended_skeleton_is_one_closed_outward_surface():
    vertices, faces, keys, face_part, second = _creature().mesh()
    mesh = trimesh.Trimesh(vertices, faces, process=True)
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0  # outward faces
    assert len(mesh.split(only_watertight=False)) == 1  # junctions are joined, no gaps between parts
    assert keys == ["body", "head", "leg", "whisker"]
    assert set(np.unique(face_part)) == {0, 1, 2, 3}  # the thin whisker is thickened, not lost


def test_each_face_belongs_to_its_nearest_primitive_and_junction_faces_get_two_parts():
    o = _creature()
    vertices, faces, keys, face_part, second = o.mesh()
    centroid = vertices[faces].mean(1)
    head, body = o._prims[1], o._prims[0]
    d_head, d_body = head.distance(centroid), body.distance(centroid)
    on_head = face_part == keys.index("head")
    on_body = face_part == keys.index("body")
    assert (d_head[on_head] <= d_body[on_head] + 1e-9).all()
    assert (d_body[on_body] <= d_head[on_body] + 1e-9).all()
    two = second >= 0
    assert 0 < two.mean() < 0.3
    assert (second[two] != face_part[two]).all()
    # faces with a second label sit where both fields are nearly equal, far from it elsewhere
    pair = two & np.isin(face_part, [0, 1]) & np.isin(second, [0, 1])
    assert np.abs(d_head[pair] - d_body[pair]).max() < np.abs(d_head - d_body)[~two & (on_head | on_body)].min() + 0.05


def test_second_parts_reach_the_masks_as_points_with_two_labels():
    shape = generate_shape("dog", np.random.default_rng([0, 1]))
    assert shape.face_second is not None
    made = make_shape("dog", seed=0, index=1)
    shape = made["shape"]
    masks = shape.face_masks()
    np.testing.assert_array_equal(made["mask2points"], masks[:, made["point2face"]][[shape.mask_labels.index(l) for l in made["mask_labels"]]])
    second = shape.face_second[made["point2face"]]
    has = second >= 0
    primary = shape.face_part[made["point2face"]]
    for label, mask in zip(made["mask_labels"], made["mask2points"]):
        members = shape.mask_parts[shape.mask_labels.index(label)]
        expected = np.isin(primary, members) | (has & np.isin(second, members))
        np.testing.assert_array_equal(mask, expected)
    assert (made["mask2points"].sum(0) >= 2).mean() > 0.02


def test_part_builder_keeps_only_parts_that_own_faces():
    parts = PartBuilder()
    vertices = np.zeros((3, 3))
    faces = np.zeros((4, 3), dtype=np.int64)
    parts.add_labelled((vertices, faces), ["a", "b", "c"], np.array([0, 0, 2, 2]), np.array([-1, 1, 0, -1]))
    _, _, face_part = parts.build()
    assert parts.keys == ["a", "c"]
    np.testing.assert_array_equal(face_part, [0, 0, 1, 1])
    np.testing.assert_array_equal(parts.second_part(), [-1, -1, 0, -1])  # "b" owns no face: dropped


def test_organic_shapes_are_deterministic_for_a_seed():
    for name in ("hand", "octopus", "tree"):
        a = generate_shape(name, np.random.default_rng([3, 7]))
        b = generate_shape(name, np.random.default_rng([3, 7]))
        assert a.vertices.tobytes() == b.vertices.tobytes() and a.faces.tobytes() == b.faces.tobytes()
        assert a.face_part.tobytes() == b.face_part.tobytes() and a.mask_labels == b.mask_labels
        c = generate_shape(name, np.random.default_rng([3, 8]))
        assert a.vertices.shape != c.vertices.shape or a.vertices.tobytes() != c.vertices.tobytes()


def test_there_are_many_living_categories_in_three_families_with_many_names():
    assert len(LIVING) >= 45
    assert {CATEGORIES[n].family for n in LIVING} == {"people", "animal", "plant"}
    names = {s for n in LIVING for syn in CATEGORIES[n].parts.values() for s in syn}
    assert len(names) >= 400
    for wanted in ("dog", "spider", "duck", "hand", "human head", "octopus", "tree", "potted plant", "mushroom", "elephant"):
        assert wanted in LIVING


def test_every_part_name_is_a_clean_lower_case_phrase():
    clean = re.compile(r"^[a-z][a-z' -]*[a-z]$")
    for name in LIVING:
        spec = CATEGORIES[name]
        for key, synonyms in spec.parts.items():
            assert synonyms and len(set(synonyms)) == len(synonyms), (name, key)
            for s in synonyms:
                assert clean.match(s) and "  " not in s, (name, s)
        for group in spec.groups:
            assert set(group.members) <= set(spec.parts), name
            assert all(clean.match(s) for s in group.synonyms), name


@pytest.mark.slow
def test_every_living_category_builds_labelled_shapes_for_several_seeds():
    for name in LIVING:
        keys_seen = set()
        for seed in range(3):
            shape = generate_shape(name, np.random.default_rng([seed, 11]), variation=False)
            counts = np.bincount(shape.face_part, minlength=len(shape.part_keys))
            assert (counts > 0).all(), name
            assert set(shape.part_keys) <= set(CATEGORIES[name].parts), name
            assert np.isfinite(shape.vertices).all() and len(shape.faces) > 100, name
            if shape.face_second is not None:
                assert shape.face_second.max() < len(shape.part_keys)
            keys_seen.update(shape.part_keys)
        assert len(keys_seen) >= 2, name


def test_organic_shape_round_trips_through_glb_with_its_primary_labels(tmp_path):
    shape = generate_shape("cat", np.random.default_rng([0, 4]), variation=False)
    path = tmp_path / "cat.glb"
    path.write_bytes(glb_bytes(shape))
    _, faces, face_parts, names = load_part_meshes(path)
    assert len(faces) == len(shape.faces)
    assert sorted(names) == sorted(set(shape.part_names))
    wanted = np.bincount([names.index(shape.part_names[p]) for p in shape.face_part], minlength=len(names))
    np.testing.assert_array_equal(np.bincount(face_parts, minlength=len(names)), wanted)
