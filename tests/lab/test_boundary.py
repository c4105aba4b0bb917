"""Decision-boundary grid and contour, checked against shapes whose contours are known exactly."""

import numpy as np
import pytest

from nnviz.lab.boundary import (
    BoundaryProbe,
    boundary_frame,
    contour_segments,
    make_grid,
)


def _segment_lengths(x, y):
    return np.hypot(x[1::2] - x[0::2], y[1::2] - y[0::2])


def test_circle_contour_lies_on_the_circle_and_has_its_length():
    xs = np.linspace(-2, 2, 161)
    ys = np.linspace(-1.5, 1.5, 121)
    F = xs[None, :] ** 2 + ys[:, None] ** 2
    x, y = contour_segments(F, xs, ys, 1.0)
    r = np.hypot(x, y)
    # Linear interpolation of r² along an edge of length h puts points within h²/(8r) of the circle.
    h = xs[1] - xs[0]
    assert np.all(np.abs(r - 1.0) <= h * h / 8 + 1e-12)
    assert _segment_lengths(x, y).sum() == pytest.approx(2 * np.pi, rel=1e-3)


def test_straight_line_contour_is_exact():
    xs = np.linspace(0, 1, 11)
    ys = np.linspace(0, 2, 21)
    F = np.broadcast_to(xs[None, :], (21, 11))
    x, y = contour_segments(F, xs, ys, 0.33)
    assert np.allclose(x, 0.33)
    assert _segment_lengths(x, y).sum() == pytest.approx(2.0)


def test_saddle_cells_give_two_segments_each():
    xs = ys = np.array([0.0, 1.0])
    F = np.array([[1.0, 0.0], [0.0, 1.0]])     # a and c above, b and d below
    x, y = contour_segments(F, xs, ys, 0.5)
    assert x.size == 4                        # two segments
    assert np.allclose(sorted(zip(x, y)), sorted([(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5)]))


def test_no_crossing_gives_no_segments():
    x, y = contour_segments(np.ones((5, 5)), np.arange(5.0), np.arange(5.0), 0.5)
    assert x.size == 0 and y.size == 0


def test_contour_rejects_mismatched_grids():
    with pytest.raises(ValueError, match="contour field"):
        contour_segments(np.ones((3, 4)), np.arange(3.0), np.arange(4.0), 0.5)


def test_grid_covers_the_data_with_padding_and_is_square():
    X = np.array([[0.0, 0.0], [4.0, 1.0]])
    g = make_grid(X, n=50, pad=0.1)
    assert g.points.shape == (2500, 2) and g.points.dtype == np.float32
    assert g.xs[0] == pytest.approx(-0.4) and g.xs[-1] == pytest.approx(4.4)
    assert g.ys[-1] - g.ys[0] == pytest.approx(g.xs[-1] - g.xs[0])
    assert np.mean(g.ys) == pytest.approx(0.5)
    # row-major: point j*nx + i is (xs[i], ys[j])
    assert tuple(g.points[3 * 50 + 7]) == pytest.approx((g.xs[7], g.ys[3]))
    with pytest.raises(ValueError, match="2-D points"):
        make_grid(np.zeros((4, 3)))


def test_grid_follows_the_plot_shape_with_square_pixels():
    X = np.array([[0.0, 0.0], [4.0, 1.0]])
    tall = make_grid(X, n=60, pad=0.0, aspect=2.0)       # a plot twice as high as wide
    width, height = tall.xs[-1] - tall.xs[0], tall.ys[-1] - tall.ys[0]
    assert width == pytest.approx(4.0) and height == pytest.approx(8.0)
    assert tall.shape == (60, 30)
    assert (tall.xs[1] - tall.xs[0]) == pytest.approx(tall.ys[1] - tall.ys[0], rel=0.05)
    own = make_grid(X, n=40, pad=0.0, aspect=None)
    assert own.ys[0] == 0.0 and own.ys[-1] == 1.0 and own.shape == (10, 40)
    with pytest.raises(ValueError, match="aspect"):
        make_grid(X, aspect=0)


def test_boundary_frame_of_a_known_classifier():
    def predict(points):      # P(class 1) = sigmoid(4(x - y)): boundary is the line y = x
        return 1 / (1 + np.exp(-4 * (points[:, :1] - points[:, 1:])))

    grid = make_grid(np.array([[-1.0, -1.0], [1.0, 1.0]]), n=41)
    frame = BoundaryProbe(grid).compute(type("M", (), {"predict": staticmethod(predict)})())
    assert frame.probs.shape == (41, 41)
    assert np.allclose(frame.contour_x, frame.contour_y, atol=1e-6)
    assert frame.probs[0, -1] > 0.99 and frame.probs[-1, 0] < 0.01   # bottom right is class 1


def test_multiclass_frame_draws_region_borders():
    def predict(points):      # three classes by which third of x the point is in
        k = np.digitize(points[:, 0], [-1 / 3, 1 / 3])
        return np.eye(3)[k]

    grid = make_grid(np.array([[-1.0, -1.0], [1.0, 1.0]]), n=30, pad=0.0)
    frame = boundary_frame(predict, grid)
    assert frame.probs.shape == (30, 30, 3)
    assert frame.contour_x.size > 0
    assert set(np.round(np.unique(np.abs(frame.contour_x)), 1)) == {0.3}


def test_softmax_class_borders_follow_the_equal_probability_lines():
    # logits (x, y, 0): class 0 wins where x > max(y, 0), class 1 where y > max(x, 0), class 2 elsewhere;
    # the borders are x = y (x, y > 0), x = 0 (y < 0) and y = 0 (x < 0)
    def predict(points):
        z = np.column_stack([points[:, 0], points[:, 1], np.zeros(len(points))]) * 3
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    grid = make_grid(np.array([[-1.0, -1.0], [1.0, 1.0]]), n=30, pad=0.0)
    frame = boundary_frame(predict, grid)
    x, y = frame.contour_x, frame.contour_y
    assert x.size > 20
    distance = np.minimum.reduce([np.where((x > 0) & (y > 0), np.abs(x - y) / np.sqrt(2), np.inf),
                                  np.where(y <= 0, np.abs(x), np.inf), np.where(x <= 0, np.abs(y), np.inf)])
    cell = grid.xs[1] - grid.xs[0]
    # well inside a cell (drawing the winner's 0/1 indicator puts them up to half a cell off)
    assert distance.max() < 0.15 * cell


def test_live_frames_are_coarser_over_the_same_rectangle_and_final_ones_whole():
    """A run's progress snapshots carry a LIVE_GRID frame (cheap); paused and final ones the full grid."""
    from nnviz.engine import SGD, Sequential
    from nnviz.engine.layers import Dense
    from nnviz.lab.boundary import LIVE_GRID, BoundaryProbe, make_grid
    from nnviz.lab.session import TrainingSession

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    grid = make_grid(X, n=100)
    live = grid.resampled(LIVE_GRID)
    assert live.rect == pytest.approx(grid.rect) and max(live.shape) == LIVE_GRID
    model = Sequential([Dense(8, "tanh"), Dense(1, "sigmoid")], input_shape=(2,), seed=0)
    snaps = []
    TrainingSession(model, SGD(0.5), (X, y, None, None), epochs=40, emit=snaps.append,
                    probes=[BoundaryProbe(grid)], max_rate=1e9, probe_budget=1.0).run()
    shapes = {(s.reason, s.probes["boundary"].probs.shape) for s in snaps if "boundary" in s.probes}
    assert ("progress", live.shape) in shapes and ("final", grid.shape) in shapes
    assert all(shape == live.shape for reason, shape in shapes if reason == "progress")
    final = snaps[-1].probes["boundary"]
    np.testing.assert_array_equal(final.probs, model.predict(grid.points)[:, 0].reshape(grid.shape))
    coarse = BoundaryProbe(grid)
    coarse.live = True
    np.testing.assert_allclose(coarse.compute(model).probs, model.predict(live.points)[:, 0].reshape(live.shape))
