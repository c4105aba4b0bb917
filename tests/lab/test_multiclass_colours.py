"""Multiclass shading: the predicted class's colour, faded toward white as its probability falls to 1/k."""

import numpy as np

from nnviz.lab.palette import class_color, hex_to_rgb, multiclass_rgb


def test_cells_take_the_winner_colour_faded_by_its_probability():
    probs = np.array([[[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.25, 0.25, 0.5], [0.0, 0.9, 0.1]]])
    rgb = multiclass_rgb(probs, amount=0.45)
    assert rgb.shape == (1, 4, 3) and rgb.dtype == np.uint8
    tint = lambda k: hex_to_rgb(class_color(k)) * 0.55 + 255 * 0.45  # noqa: E731  (hand-made: 45 % white)
    np.testing.assert_array_equal(rgb[0, 0], np.round(tint(0)))                          # sure: the full tint
    np.testing.assert_array_equal(rgb[0, 1], [255, 255, 255])                            # a tie: white
    conf = (0.5 - 1 / 3) / (2 / 3)                                                       # 0.25 of the way
    np.testing.assert_array_equal(rgb[0, 2], np.round(255 + (tint(2) - 255) * conf))
    conf = (0.9 - 1 / 3) / (2 / 3)
    np.testing.assert_array_equal(rgb[0, 3], np.round(255 + (tint(1) - 255) * conf))
