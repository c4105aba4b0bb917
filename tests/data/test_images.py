"""Image files → network input: MNIST-style digits, cats-style RGB, bad and huge files."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nnviz.data import (
    ImageError,
    array_to_mnist_input,
    load_dataset,
    load_image,
    preprocess_for_model,
    to_cats_input,
    to_mnist_input,
)
from nnviz.data.mnist_files import read_idx_pair


@pytest.fixture
def t10k(real_data_dir):
    if not (real_data_dir / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("the MNIST t10k files are not on this machine")
    return read_idx_pair(real_data_dir / "t10k-images-idx3-ubyte.gz", real_data_dir / "t10k-labels-idx1-ubyte.gz")


def _corr(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def _on_paper(digit: np.ndarray, size=(90, 120), at=(31, 57)) -> Image.Image:
    """The MNIST digit as black ink on white paper, padded and off-centre."""
    paper = np.full(size, 255, np.uint8)
    paper[at[0]:at[0] + 28, at[1]:at[1] + 28] = 255 - digit
    return Image.fromarray(paper, "L")


def test_a_test_digit_on_white_paper_comes_back_as_itself(t10k, tmp_path):
    images, labels = t10k
    for digit in range(10):
        i = int(np.flatnonzero(labels == digit)[0])
        path = tmp_path / f"digit{digit}.png"
        _on_paper(images[i]).save(path)
        x = to_mnist_input(path)
        assert x.shape == (1, 28, 28) and x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert _corr(x, images[i]) > 0.9, f"digit {digit} (t10k #{i})"


def test_a_scanned_looking_digit_enlarged_on_grey_paper(t10k, tmp_path):
    images, _ = t10k
    scores = []
    for i in range(20):
        paper = np.asarray(_on_paper(images[i]), np.float32) * 0.8 + 30  # grey paper, grey ink
        big = Image.fromarray(paper.astype(np.uint8), "L").resize((480, 360), Image.BICUBIC)
        big.convert("RGB").save(tmp_path / "scan.jpg", quality=92)
        scores.append(_corr(to_mnist_input(tmp_path / "scan.jpg"), images[i]))
    assert np.median(scores) > 0.9


def test_drawing_pad_arrays(t10k):
    images, _ = t10k
    pad = np.zeros((200, 200), np.float32)
    pad[40:180, 30:170] = np.asarray(Image.fromarray(images[3]).resize((140, 140), Image.BICUBIC)) / 255.0
    x = array_to_mnist_input(pad)
    assert x.shape == (1, 28, 28) and _corr(x, images[3]) > 0.9
    np.testing.assert_allclose(array_to_mnist_input(images[3] / 255.0)[0], images[3] / 255.0, atol=2e-3)


def test_mnist_geometry_box_and_centre_of_mass():
    pad = np.zeros((300, 300), np.float32)
    pad[20:220, 200:240] = 1.0  # a tall bar far from the centre, 200 × 40
    x = array_to_mnist_input(pad)[0]
    rows, cols = np.flatnonzero(x.max(1) > 0.1), np.flatnonzero(x.max(0) > 0.1)
    assert rows[-1] - rows[0] + 1 == 20 and cols[-1] - cols[0] + 1 == 4
    mass = x.sum()
    assert abs((x.sum(1) @ np.arange(28)) / mass - 14) <= 0.5
    assert abs((x.sum(0) @ np.arange(28)) / mass - 14) <= 0.5


def test_light_digit_on_dark_background_is_not_inverted(tmp_path):
    img = Image.new("L", (100, 100), 0)
    ImageDraw.Draw(img).line([(50, 15), (50, 85)], fill=255, width=8)
    x = to_mnist_input(img)[0]
    assert x[14, 14] > 0.5 and x[0, 0] == 0.0


def test_transparent_drawing_is_put_on_white(tmp_path):
    img = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent black
    ImageDraw.Draw(img).line([(50, 15), (50, 85)], fill=(0, 0, 0, 255), width=8)
    img.save(tmp_path / "stroke.png")
    x = to_mnist_input(tmp_path / "stroke.png")[0]
    assert x[14, 14] > 0.5 and x[0, 0] == 0.0


@pytest.mark.parametrize("fmt, suffix", [("GIF", ".gif"), ("BMP", ".bmp"), ("JPEG", ".jpg"), ("PNG", ".png"),
                                          ("TIFF", ".tif"), ("WEBP", ".webp")])
def test_formats(tmp_path, fmt, suffix):
    img = Image.new("RGB", (80, 60), "white")
    ImageDraw.Draw(img).ellipse([25, 10, 55, 50], outline="black", width=5)
    reference = to_mnist_input(img)
    path = tmp_path / f"zero{suffix}"
    img.save(path, format=fmt)
    assert load_image(path).size == (80, 60) and load_image(path).mode == "RGB"
    assert _corr(to_mnist_input(path), reference) > 0.95
    assert to_cats_input(path).shape == (3, 64, 64)


def test_cats_input_of_a_dataset_image_is_that_image(real_data_dir, tmp_path):
    ds = load_dataset("cats", data_dir=real_data_dir)
    hwc = np.round(ds.X_train[7].transpose(1, 2, 0) * 255).astype(np.uint8)
    Image.fromarray(hwc, "RGB").save(tmp_path / "cat.png")
    x = to_cats_input(tmp_path / "cat.png")
    assert x.shape == (3, 64, 64) and x.dtype == np.float32
    np.testing.assert_allclose(x, ds.X_train[7], atol=1e-6)


def test_cats_input_is_centre_cropped_rgb(tmp_path):
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, :100] = (255, 0, 0)
    wide[:, 100:200] = (0, 0, 255)
    wide[:, 200:] = (0, 255, 0)
    x = to_cats_input(Image.fromarray(wide, "RGB"))
    np.testing.assert_allclose(x[:, 32, 32], [0, 0, 1], atol=1e-6)
    assert x[2].mean() > 0.95 and x[0].max() < 0.05


def test_non_image_missing_and_corrupt_files(tmp_path):
    (tmp_path / "notes.png").write_text("this is text, not a picture")
    with pytest.raises(ImageError, match="notes.png is not an image nnviz can read"):
        load_image(tmp_path / "notes.png")
    with pytest.raises(ImageError, match="nothing.png: no such file"):
        to_mnist_input(tmp_path / "nothing.png")
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8))
    img.save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="cut.png is damaged or truncated"):
        load_image(tmp_path / "cut.png")
    broken = bytearray(data)
    broken[len(data) // 2: len(data) // 2 + 64] = bytes(64)
    (tmp_path / "broken.png").write_bytes(bytes(broken))
    with pytest.raises(ImageError, match="broken.png"):
        to_cats_input(tmp_path / "broken.png")


def test_blank_images_have_no_digit(tmp_path):
    Image.new("L", (50, 50), 255).save(tmp_path / "white.png")
    with pytest.raises(ImageError, match="white.png: no digit found"):
        to_mnist_input(tmp_path / "white.png")
    with pytest.raises(ImageError, match="no digit found in the drawing"):
        array_to_mnist_input(np.zeros((30, 30)))
    with pytest.raises(ValueError, match="2-D array"):
        array_to_mnist_input(np.zeros((3, 30, 30)))
    with pytest.raises(ValueError, match="NaN"):
        array_to_mnist_input(np.full((3, 3), np.nan))


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_a_10000_by_10000_image(tmp_path, suffix):
    img = Image.new("L", (10_000, 10_000), 255)
    ImageDraw.Draw(img).rectangle([4000, 2000, 6000, 8000], fill=0)  # a fat "1"
    path = tmp_path / f"huge{suffix}"
    img.save(path)
    del img
    small = load_image(path, max_pixels=1_000_000)
    assert small.size[0] * small.size[1] <= 1_000_000 and small.size[0] == small.size[1]
    x = to_mnist_input(path)
    assert x.shape == (1, 28, 28)
    rows, cols = np.flatnonzero(x[0].max(1) > 0.5), np.flatnonzero(x[0].max(0) > 0.5)
    assert rows[-1] - rows[0] + 1 >= 19 and 5 <= cols[-1] - cols[0] + 1 <= 8
    assert to_cats_input(path).shape == (3, 64, 64)


def test_preprocess_for_model_chooses_by_input_shape():
    img = Image.new("RGB", (120, 90), "white")
    ImageDraw.Draw(img).line([(60, 10), (60, 80)], fill="black", width=6)
    assert preprocess_for_model(img, (3, 64, 64)).shape == (3, 64, 64)
    digit = preprocess_for_model(img, (1, 28, 28))
    np.testing.assert_array_equal(digit, to_mnist_input(img))
    np.testing.assert_array_equal(preprocess_for_model(img, (784,)), digit.reshape(784))
    np.testing.assert_array_equal(preprocess_for_model(img, [12288]), to_cats_input(img).reshape(12288))
    assert preprocess_for_model(img, (1, 32, 32)).shape == (1, 32, 32)
    assert preprocess_for_model(img, (3, 16, 24)).shape == (3, 16, 24)
    with pytest.raises(ValueError, match=r"this model takes 2-D points \(x, y\), not images"):
        preprocess_for_model(img, (2,))
    with pytest.raises(ValueError, match=r"input of shape \(5, 7\)"):
        preprocess_for_model(img, (5, 7))


def test_exif_orientation_of_photos_is_applied(tmp_path):
    img = Image.new("RGB", (120, 40), "white")  # wide as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    img.save(tmp_path / "photo.jpg", exif=exif)
    assert load_image(tmp_path / "photo.jpg").size == (40, 120)


def test_sixteen_bit_grayscale(tmp_path):
    values = np.zeros((60, 60), np.uint16)
    values[10:50, 27:33] = 60000
    Image.fromarray(values).save(tmp_path / "deep.png")
    x = to_mnist_input(tmp_path / "deep.png")[0]
    assert x.max() == 1.0 and x[0, 0] == 0.0


def test_a_header_claiming_a_gigantic_image_is_refused(tmp_path):
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 40_000, 40_000, 8, 0, 0, 0, 0)  # 1.6 billion pixels
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    (tmp_path / "bomb.png").write_bytes(png)
    with pytest.raises(ImageError, match="bomb.png is too large to open safely"):
        load_image(tmp_path / "bomb.png")


def test_thin_pen_strokes_are_thickened_to_mnist_width(t10k):
    from nnviz.data.images import stroke_width

    images, _ = t10k
    mnist_widths = [stroke_width(images[i] / 255.0) for i in range(200)]
    img = Image.new("L", (800, 800), 255)
    ImageDraw.Draw(img).ellipse([250, 150, 550, 650], outline=0, width=4)  # a 500-pixel "0" in a 4-pixel pen
    x = to_mnist_input(img)[0]
    assert stroke_width(x) >= np.percentile(mnist_widths, 10)
    assert (x > 0.5).sum() >= 0.5 * np.mean([(im > 127).sum() for im in images[:200]])
    # a bold drawing is left as it is: no stroke is thickened past its own width
    bold = Image.new("L", (800, 800), 255)
    ImageDraw.Draw(bold).ellipse([250, 150, 550, 650], outline=0, width=60)
    assert stroke_width(to_mnist_input(bold)[0]) <= 60 * 20 / 500 + 1
