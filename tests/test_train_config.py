"""Training configs: presets, stage sections, dotted overrides, errors that name the key."""

from __future__ import annotations

import pytest

from patchalign3d.errors import PatchAlignError
from patchalign3d.train.config import load_config, preset_names


def test_shipped_presets_load_for_both_stages():
    assert {"paper", "cpu", "tiny"} <= set(preset_names())
    for preset in preset_names():
        for stage in (1, 2):
            assert load_config(preset, stage=stage).stage == stage


def test_paper_preset_is_the_papers_recipe():
    config = load_config("paper", stage=2)
    assert config.model.preset == "paper"
    assert (config.optim.batch_size, config.optim.epochs) == (32, 100)
    assert (config.optim.lr_encoder, config.optim.lr_head, config.optim.weight_decay) == (1e-4, 5e-4, 0.05)
    assert config.freeze == "paper" and config.loss.kind == "paper" and config.optim.schedule == "constant"
    assert load_config("paper", stage=1).augment.enabled is False
    assert load_config("paper", stage=2).augment.random_up == 0.0  # orientation augmentation is opt-in


def test_dotted_overrides_are_typed_and_reach_nested_sections():
    config = load_config("tiny", ["optim.lr_head=1e-2", "data.max_shapes=5", "model.encoder.depth=3",
                                  "data.val_split=null", "amp=off", "loss.kind=released"], stage=2)
    assert config.optim.lr_head == 0.01 and isinstance(config.optim.lr_head, float)
    assert config.data.max_shapes == 5 and config.data.val_split is None
    assert config.model.encoder == {"depth": 3} and config.amp == "off" and config.loss.kind == "released"


def test_stage_sections_apply_only_to_their_stage(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("base: tiny\noptim:\n  epochs: 7\nstage1:\n  optim:\n    epochs: 3\n")
    assert load_config(path, stage=1).optim.epochs == 3
    assert load_config(path, stage=2).optim.epochs == 7
    assert load_config(path, stage=2).model.preset == "tiny"  # from the base preset


@pytest.mark.parametrize(
    "override, message",
    [
        ("optim.lr_heads=1", "unknown key"),
        ("loss.kind=softmax", "loss.kind must be one of"),
        ("optim.batch_size=0", "positive integer"),
        ("optim.epochs=many", "expected int"),
        ("model.preset=huge", "model.preset must be one of"),
        ("no_equals_sign", "dotted.key=value"),
        ("augment.random_up=1.5", "augment.random_up is a probability"),
        ("augment.p=-0.1", "augment.p is a probability"),
    ],
)
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(PatchAlignError, match=message):
        load_config("tiny", [override], stage=2)


def test_missing_preset_or_file_is_a_user_error():
    with pytest.raises(PatchAlignError, match="neither a preset"):
        load_config("no-such-preset")


def test_optional_numbers_accept_integers_and_refuse_words():
    config = load_config("tiny", ["loss.init_bias=-2", "max_steps=7"], stage=2)
    assert config.loss.init_bias == -2.0 and isinstance(config.loss.init_bias, float) and config.max_steps == 7
    with pytest.raises(PatchAlignError, match="expected a number"):
        load_config("tiny", ["loss.init_scale=big"], stage=2)
