"""The training loop: learning, callbacks, stopping, divergence, reproducibility."""

import numpy as np
import pytest

from nnviz.engine import SGD, Adam, Dense, Sequential


def blobs(m=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, m)
    X = rng.standard_normal((m, 2)) * 0.5 + np.where(y[:, None] == 1, 1.0, -1.0)
    return X.astype(np.float32), y


def small_model(seed=0, **kw):
    return Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")], input_shape=(2,), seed=seed, **kw)


def test_fit_learns_and_records_history():
    X, y = blobs()
    model = small_model()
    h = model.fit(X, y, optimizer=Adam(0.05), epochs=50, batch_size=32, validation_data=blobs(seed=1))
    assert h.status == "completed"
    assert len(h.cost) == len(h.train_accuracy) == len(h.test_accuracy) == 50
    assert h.epoch == list(range(1, 51))
    assert len(h.iteration_cost) == 50 * 7  # ceil(200 / 32) iterations per epoch
    assert h.cost[-1] < h.cost[0] / 3
    assert h.test_accuracy[-1] > 0.95
    assert model.evaluate(X, y)["accuracy"] > 0.95


def test_callbacks_receive_metrics_and_can_stop():
    X, y = blobs()
    model = small_model()
    seen = []

    class Recorder:
        def on_train_begin(self, model, info):
            seen.append(("begin", info["iterations_per_epoch"]))

        def on_batch_end(self, model, info):
            seen.append(("batch", info["iteration"]))
            if info["iteration"] == 10:
                model.stop_training = True

        def on_epoch_end(self, model, info):
            seen.append(("epoch", info["epoch"], round(info["train_accuracy"], 6)))

        def on_train_end(self, model, history):
            seen.append(("end", history.status))

    h = model.fit(X, y, optimizer=SGD(0.1), epochs=100, batch_size=50, callbacks=[Recorder()])
    assert seen[0] == ("begin", 4)
    assert seen[-1] == ("end", "stopped")
    assert h.status == "stopped" and h.iterations_done == 10 and h.epochs_done == 2
    assert [s for s in seen if s[0] == "epoch"][0][1] == 1


def test_should_stop_flag_between_steps():
    X, y = blobs()
    model = small_model()
    calls = iter(range(1000))
    h = model.fit(X, y, epochs=100, should_stop=lambda: next(calls) >= 5)
    assert h.status == "stopped" and h.iterations_done == 5


def test_divergence_keeps_history():
    X, y = blobs()
    X = X * 1e4
    model = Sequential([Dense(8, activation="linear"), Dense(8, activation="linear"), Dense(3, activation="linear")],
                       input_shape=(2,), loss="mse")
    h = model.fit(X, y, optimizer=SGD(10.0), epochs=500)
    assert h.status == "diverged"
    assert "try a smaller learning rate" in h.message
    assert 0 < h.epochs_done < 500 and np.all(np.isfinite(h.cost))


def test_seeded_runs_are_reproducible_and_continue():
    X, y = blobs()
    h1 = small_model(seed=3).fit(X, y, optimizer=SGD(0.1), epochs=5, batch_size=16).cost
    h2 = small_model(seed=3).fit(X, y, optimizer=SGD(0.1), epochs=5, batch_size=16).cost
    assert h1 == h2
    model = small_model(seed=3)
    model.fit(X, y, optimizer=SGD(0.1), epochs=3, batch_size=16)
    h = model.fit(X, y, optimizer=SGD(0.1), epochs=2, batch_size=16)
    assert h.epoch == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(h.cost, h1, rtol=1e-6)


def test_full_batch_gradient_descent_by_hand():
    # one SGD step on a one-unit sigmoid model equals w -= lr * X^T (a - y) / m
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.2]])
    y = np.array([1, 0, 1])
    model = Sequential([Dense(1, activation="sigmoid")], input_shape=(2,), dtype="float64", init="xavier")
    W0, b0 = model.layers[0].params["W"].copy(), model.layers[0].params["b"].copy()
    model.fit(X, y, optimizer=SGD(0.5), epochs=1)
    a = 1 / (1 + np.exp(-(X @ W0 + b0)))
    np.testing.assert_allclose(model.layers[0].params["W"], W0 - 0.5 * X.T @ (a - y[:, None]) / 3)
    np.testing.assert_allclose(model.layers[0].params["b"], b0 - 0.5 * (a - y[:, None]).mean(axis=0))


@pytest.mark.parametrize("bad, message", [
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"batch_size": 0}, "batch_size must be a positive integer or None"),
])
def test_bad_arguments(bad, message):
    X, y = blobs()
    with pytest.raises(ValueError, match=message):
        small_model().fit(X, y, **{"epochs": 1, **bad})


def test_small_runs_use_one_blas_thread_and_restore_it():
    from threadpoolctl import threadpool_info

    from nnviz.engine.blas_threads import largest_matmul

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen = []

    class Probe:
        def on_batch_end(self, model, info):
            seen.append(blas_threads())

    X, y = blobs()
    model = small_model()
    assert largest_matmul(model, 200) == 200 * 2 * 8  # batch × fan-in × units of dense_1
    model.fit(X, y, epochs=1, callbacks=[Probe()])
    assert seen and all(n == 1 for n in seen[0])
    assert blas_threads() == before
