"""Turn an image file into network input, the way the training data was made.

* cats: RGB, centre-cropped to a square, resized to 64 × 64 → (3, 64, 64)
  float32 in [0, 1].
* MNIST: grayscale, inverted when the background is light (ink must be
  bright on black, as in MNIST), cropped to the digit's bounding box, scaled
  so its longer side is 20 pixels (aspect kept), placed in a 28 × 28 field
  and shifted by whole pixels so its centre of mass sits at (14, 14), which
  is how the MNIST digits were centred → (1, 28, 28) float32 in [0, 1].

Huge files are decoded at reduced size when the format allows it (JPEG's
``draft``) and shrunk with ``reduce`` right after decoding. An image whose
decoded size would still exceed :data:`MAX_DECODE_PIXELS` (or the memory
budget) is refused from its header, before any pixel is decoded.
"""

from __future__ import annotations

import math
import os
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..engine.budget import describe_budget, memory_budget
from .errors import ImageError

#: images with more pixels than this are shrunk while (or right after) being decoded
MAX_PIXELS = 4_000_000
#: images that would decode to more pixels than this (after JPEG's reduced decoding) are refused
MAX_DECODE_PIXELS = 120_000_000
#: ... and so are images with a side longer than this (a 1 × 100,000,000 strip is no photo)
MAX_DECODE_SIDE = 30_000
#: bytes per decoded pixel, worst case (RGBA or 32-bit), times the copies made while shrinking
DECODE_BYTES_PER_PIXEL = 4 * 3
CATS_SIDE = 64
MNIST_SIDE = 28
MNIST_BOX = 20
#: the centre of mass of MNIST digits, in pixel indices (the t10k mean is 13.99, 14.01)
MNIST_CENTER = 14
#: ink below this (0..1, after background removal) does not count for the digit's bounding box
INK_THRESHOLD = 0.1
#: the border band (fraction of the shorter side) whose mean says whether the background is light
BORDER_FRACTION = 0.04
#: strokes thinner than this (pixels, in the 20-pixel box) are thickened to TARGET_STROKE
THIN_STROKE = 1.5
TARGET_STROKE = 2.5
#: crops smaller than this (pixels) are too coarse to measure their stroke width
THICKEN_MIN_SIDE = 60
#: working size for finding a digit in a large picture
MNIST_WORK_SIDE = 512
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "I", "F")
EXIF_ORIENTATION = 0x0112
#: EXIF orientation → the transpose that shows the photo upright
ORIENTATION_FIX = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                   4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                   6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombError)


def _flatten_to_rgb(img: Image.Image) -> Image.Image:
    """Any mode → RGB; transparency is composited over white (drawings are ink on paper)."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(img, dtype=np.float64)
        top = values.max() if values.size else 0
        scale = 255.0 / top if top > 255 else 1.0
        img = Image.fromarray(np.clip(values * scale, 0, 255).astype(np.uint8), "L")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def load_image(path, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Read an image file as an RGB PIL image with at most about ``max_pixels`` pixels.

    Reads PNG, JPEG, GIF (first frame), BMP, TIFF, WebP and whatever else
    Pillow knows; applies the EXIF orientation of photos. Raises ImageError
    naming the file when it is missing, not an image, or damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
    try:
        with warnings.catch_warnings():  # we shrink big images ourselves
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
    except UnidentifiedImageError:
        raise ImageError(f"{path} is not an image nnviz can read (expected PNG, JPEG, GIF, BMP, TIFF, WebP…)") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{path} is too large to open safely: its header declares more than "
                         f"{2 * Image.MAX_IMAGE_PIXELS:,} pixels; nnviz decodes images of at most "
                         f"{decode_pixel_limit():,} pixels") from None
    except MemoryError:
        raise ImageError(f"{path}: there is not enough memory to open this image") from None
    except DECODE_ERRORS as exc:
        raise ImageError(f"could not read {path}: {exc}") from None
    with img:
        try:
            if img.size[0] * img.size[1] > max_pixels:
                # JPEG decodes at 1/2, 1/4 or 1/8 size (still >= the target); other formats ignore it
                img.draft("RGB", _fit(img.size, max_pixels))
            _check_decode_size(path, img)  # before getexif: for PNG it decodes the whole image
            orientation = img.getexif().get(EXIF_ORIENTATION, 1)
            img.load()
            out = _shrink(img, max_pixels)
            if orientation in ORIENTATION_FIX:
                out = out.transpose(ORIENTATION_FIX[orientation])
            out = _flatten_to_rgb(out)
        except DECODE_ERRORS as exc:
            raise ImageError(f"{path} is damaged or truncated: {exc}") from None
        except MemoryError:
            raise ImageError(f"{path}: there is not enough memory to decode this image "
                             f"({img.size[0]} × {img.size[1]} pixels)") from None
    return out


def decode_pixel_limit() -> int:
    """The most pixels nnviz decodes from one image: MAX_DECODE_PIXELS, less if the memory budget is small."""
    return min(MAX_DECODE_PIXELS, memory_budget() // DECODE_BYTES_PER_PIXEL)


def _check_decode_size(path, img: Image.Image) -> None:
    """Refuse, from the header alone, an image that would decode to more than ``decode_pixel_limit()`` pixels."""
    w, h = img.size
    limit = decode_pixel_limit()
    if max(w, h) > MAX_DECODE_SIDE:
        raise ImageError(f"{path} is too large to open safely: it is {w:,} × {h:,} pixels; nnviz decodes images "
                         f"with sides of at most {MAX_DECODE_SIDE:,} pixels; expected a photo or drawing, "
                         "shrink it first")
    if w * h > limit:
        raise ImageError(f"{path} is too large to open safely: it is {w:,} × {h:,} pixels ({w * h:,}); "
                         f"nnviz decodes images of at most {limit:,} pixels (within {describe_budget()}); expected a photo or drawing, "
                         "shrink it first")


def _shrink(img: Image.Image, max_pixels: int) -> Image.Image:
    """A copy with at most ``max_pixels`` pixels: a whole-factor box reduction in the image's own mode."""
    w, h = img.size
    if w * h <= max_pixels:
        return img.copy()
    if img.mode not in REDUCIBLE_MODES:
        img = img.convert("RGBA" if img.mode == "P" and "transparency" in img.info else
                          ("RGBA" if "A" in img.mode else "RGB"))
    factor = math.ceil(math.sqrt(w * h / max_pixels))
    while (-(-w // factor)) * (-(-h // factor)) > max_pixels:
        factor += 1
    return img.reduce(factor)


def _fit(size, max_pixels):
    """(width, height) with the aspect of ``size`` and about ``max_pixels`` pixels."""
    w, h = size
    scale = math.sqrt(max_pixels / (w * h))
    return max(1, int(w * scale)), max(1, int(h * scale))


def _as_image(image) -> Image.Image:
    """A PIL image from a PIL image, a path, or an (H, W) / (H, W, 3) array of 0..255 or 0..1."""
    if isinstance(image, Image.Image):
        return _flatten_to_rgb(image) if image.mode != "RGB" else image
    if isinstance(image, (str, os.PathLike)):
        return load_image(image)
    if isinstance(image, np.ndarray):
        array = np.asarray(image, dtype=np.float64)
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
            raise ValueError(f"an image array must have shape (H, W), (H, W, 3) or (H, W, 4). Received: {image.shape}")
        if array.size and array.max() <= 1.0:
            array = array * 255
        mode = {2: "L", 3: "RGB", 4: "RGBA"}[array.shape[2] if array.ndim == 3 else 2]
        return _flatten_to_rgb(Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), mode))
    raise TypeError(f"expected a PIL image, a file path or a NumPy array. Received: {type(image).__name__}")


def to_cats_input(image) -> np.ndarray:
    """An image (PIL image, path or array) → (3, 64, 64) float32 in [0, 1], RGB.

    The image is centre-cropped to a square (its shorter side) and resized
    with a Lanczos filter, like the 64 × 64 photos of the cats dataset.
    """
    square = _crop_resize(_as_image(image), CATS_SIDE, CATS_SIDE)
    return np.asarray(square, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)


def _crop_resize(img: Image.Image, width: int, height: int) -> Image.Image:
    """Centre-crop ``img`` to the aspect of width × height, then resize to exactly that (Lanczos)."""
    w, h = img.size
    if w * height > h * width:  # too wide
        crop_w, crop_h = max(1, round(h * width / height)), h
    else:
        crop_w, crop_h = w, max(1, round(w * height / width))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    box = (left, top, left + crop_w, top + crop_h)
    if (crop_w, crop_h) == (width, height):
        return img.crop(box)
    return img.resize((width, height), Image.LANCZOS, box=box, reducing_gap=3.0)


def _ink_from_gray(gray: np.ndarray) -> np.ndarray:
    """Grayscale (H, W) in [0, 1] → ink (H, W) in [0, 1]: bright digit on a zero background."""
    h, w = gray.shape
    band = max(1, int(round(BORDER_FRACTION * min(h, w))))
    border = np.concatenate([gray[:band].ravel(), gray[-band:].ravel(),
                             gray[:, :band].ravel(), gray[:, -band:].ravel()])
    if border.mean() > 0.5:  # light background: dark ink on paper
        gray, border = 1.0 - gray, 1.0 - border
    background = float(np.median(border))
    contrast = float(gray.max()) - background
    if contrast < 0.15:
        raise ImageError("no digit found: the image is nearly uniform (expected a dark digit on a light "
                         "background or a light digit on a dark one)")
    return np.clip((gray - background) / contrast, 0.0, 1.0)


def _center_digit(ink: np.ndarray, where: str = "the image") -> np.ndarray:
    """Ink (H, W) in [0, 1] → (28, 28) float32: bounding box, 20-pixel box, centre of mass at (14, 14)."""
    rows = np.flatnonzero(ink.max(axis=1) > INK_THRESHOLD)
    cols = np.flatnonzero(ink.max(axis=0) > INK_THRESHOLD)
    if rows.size == 0:
        raise ImageError(f"no digit found in {where}: it has no ink")
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    h, w = crop.shape
    scale = MNIST_BOX / max(h, w)
    crop = _thicken_thin_strokes(crop, scale)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))  # PIL: (width, height)
    digit = np.asarray(Image.fromarray(crop, "F").resize(size, Image.LANCZOS, reducing_gap=3.0), dtype=np.float32)
    digit = np.clip(digit, 0.0, 1.0)
    dh, dw = digit.shape
    mass = digit.sum()
    cy = (digit.sum(axis=1) @ np.arange(dh)) / mass
    cx = (digit.sum(axis=0) @ np.arange(dw)) / mass
    top = int(np.clip(round(MNIST_CENTER - cy), 0, MNIST_SIDE - dh))
    left = int(np.clip(round(MNIST_CENTER - cx), 0, MNIST_SIDE - dw))
    field = np.zeros((MNIST_SIDE, MNIST_SIDE), dtype=np.float32)
    field[top:top + dh, left:left + dw] = digit
    return field


def stroke_width(ink: np.ndarray) -> float:
    """Typical stroke width in pixels of the ink (> 0.5): twice the median distance-transform ridge, minus 1."""
    from scipy import ndimage

    mask = np.pad(ink > 0.5, 1)
    if not mask.any():
        return 0.0
    distance = ndimage.distance_transform_edt(mask)
    ridge = mask & (distance >= ndimage.maximum_filter(distance, size=3))
    return float(2 * np.median(distance[ridge]) - 1)


def _thicken_thin_strokes(crop: np.ndarray, scale: float) -> np.ndarray:
    """Dilate strokes that would be thinner than MNIST's after scaling by ``scale``.

    MNIST strokes are 2–4 pixels wide in the 20-pixel box; a pen line on a
    large photo shrinks to a faint 1-pixel trace. Only crops large enough to
    measure (longer side >= THICKEN_MIN_SIDE) are touched, never thinned.
    """
    from scipy import ndimage

    if max(crop.shape) < THICKEN_MIN_SIDE:
        return crop
    width = stroke_width(crop)
    if width <= 0 or width * scale >= THIN_STROKE:
        return crop
    grow = int(round(TARGET_STROKE / scale - width))
    if grow < 1:
        return crop
    radius = grow / 2
    r = int(math.ceil(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disk = yy**2 + xx**2 <= radius**2 + 0.25
    return ndimage.grey_dilation(crop, footprint=disk)


def to_mnist_input(image) -> np.ndarray:
    """An image (PIL image, path or array) of one digit → (1, 28, 28) float32 in [0, 1], MNIST-style.

    Dark-on-light images are inverted (decided by the mean of a band along the
    border); the background level becomes 0 and the strongest ink 1.
    """
    img = _as_image(image).convert("L")
    if max(img.size) > MNIST_WORK_SIDE:
        img.thumbnail((MNIST_WORK_SIDE, MNIST_WORK_SIDE), Image.LANCZOS, reducing_gap=3.0)
    gray = np.asarray(img, dtype=np.float32) / np.float32(255)
    where = str(image) if isinstance(image, (str, os.PathLike)) else "the image"
    try:
        ink = _ink_from_gray(gray)
    except ImageError as exc:
        raise ImageError(f"{where}: {exc}") from None
    return _center_digit(ink, where)[None]


def array_to_mnist_input(gray2d) -> np.ndarray:
    """A drawing-pad array (H, W), ink = 1 on a 0 background → (1, 28, 28) float32, MNIST-style.

    No inversion is done; values are clipped to [0, 1].
    """
    ink = np.asarray(gray2d, dtype=np.float32)
    if ink.ndim != 2 or min(ink.shape) < 1:
        raise ValueError(f"a drawing must be a 2-D array (H, W). Received shape {ink.shape}")
    if not np.all(np.isfinite(ink)):
        raise ValueError("a drawing must hold finite numbers; it contains NaN or infinity")
    return _center_digit(np.clip(ink, 0.0, 1.0), "the drawing")[None]


def preprocess_for_model(image, input_shape) -> np.ndarray:
    """Turn an image into one sample of ``input_shape`` (no batch axis).

    (3, 64, 64) → cats-style RGB; (1, 28, 28) → MNIST-style digit; (784,) →
    the MNIST digit flattened; (12288,) → the cats input flattened (C, H, W
    order, like a Flatten layer); other (3, H, W) / (1, H, W) → resized RGB /
    grayscale. (2,) raises: such a model takes points, not images.
    """
    shape = tuple(int(d) for d in input_shape)
    if len(shape) == 1 and shape[0] == 2:
        raise ValueError("this model takes 2-D points (x, y), not images")
    if shape == (3, CATS_SIDE, CATS_SIDE):
        return to_cats_input(image)
    if shape == (1, MNIST_SIDE, MNIST_SIDE):
        return to_mnist_input(image)
    if shape == (MNIST_SIDE * MNIST_SIDE,):
        return to_mnist_input(image).reshape(shape)
    if shape == (3 * CATS_SIDE * CATS_SIDE,):
        return to_cats_input(image).reshape(shape)
    if len(shape) == 3 and shape[0] in (1, 3) and shape[1] > 0 and shape[2] > 0:
        img = _crop_resize(_as_image(image), shape[2], shape[1])
        if shape[0] == 1:
            return (np.asarray(img.convert("L"), dtype=np.float32) / np.float32(255))[None]
        return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
    raise ValueError(f"cannot turn an image into this model's input of shape {shape}: expected (C, H, W) "
                     f"with 1 or 3 channels, (784,) or (12288,)")
