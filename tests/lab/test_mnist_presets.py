"""The MNIST presets: their networks, and one short real training run on the MNIST-10k split."""

import pytest

from nnviz.data import load_dataset
from nnviz.engine import SGD, Adam, RMSProp
from nnviz.lab.presets import load_preset

SEED_CNN = ["Conv2D(4, 3x3, linear)", "MaxPool2D(2x2)", "Conv2D(16, 3x3, linear)", "MaxPool2D(2x2)", "Flatten",
            "Dense(256, relu)", "Dense(128, relu)", "Dense(10, softmax)"]


@pytest.mark.parametrize("name,optimizer,lr,batch,epochs", [
    ("mnist-cnn", Adam, 0.001, 64, 8),
    ("mnist-cnn-seed", SGD, 0.01, 128, 15),
])
def test_cnn_presets_build_the_seed_network(name, optimizer, lr, batch, epochs):
    preset = load_preset(name)
    model = preset.build_model((1, 28, 28))
    assert [layer.describe() for layer in model.layers] == SEED_CNN
    assert model.output_shapes[:4] == [(4, 26, 26), (4, 13, 13), (16, 11, 11), (16, 5, 5)]
    assert model.output_shapes[4] == (400,)
    opt = preset.build_optimizer()
    assert type(opt) is optimizer and opt.lr == lr
    assert (preset.batch_size, preset.epochs, preset.dataset, preset.loss) == (batch, epochs, "mnist-10k",
                                                                             "categorical_crossentropy")


def test_dense_preset_is_the_keras_example():
    preset = load_preset("mnist-dense")
    model = preset.build_model((1, 28, 28))
    assert [layer.describe() for layer in model.layers] == ["Flatten", "Dense(512, relu)", "Dense(10, softmax)"]
    opt = preset.build_optimizer()
    assert type(opt) is RMSProp and (opt.lr, opt.rho, opt.epsilon) == (0.001, 0.9, 1e-7)
    assert (preset.batch_size, preset.epochs) == (128, 5)


def test_mnist_cnn_learns_real_digits_in_one_short_epoch(real_data_dir):
    if not (real_data_dir / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not in the data directory")
    preset = load_preset("mnist-cnn")
    ds = load_dataset(preset.dataset, data_dir=real_data_dir)
    model = preset.build_model(ds.input_shape)
    history = model.fit(ds.X_train[:3000], ds.y_train[:3000], optimizer=preset.build_optimizer(), epochs=1,
                        batch_size=preset.batch_size, validation_data=(ds.X_test, ds.y_test))
    assert history.test_accuracy[-1] > 0.85  # about 0.90 after this one short epoch
