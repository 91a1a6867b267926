"""Passport photos for badges: checked with Pillow, turned upright, cropped to the
passport ratio (35 x 45 mm), re-encoded as JPEG with no EXIF (no camera, place or date
leaves with the file)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MIN_WIDTH, MIN_HEIGHT = 300, 400
MAX_PIXELS = 40_000_000  # refuse before decoding: a small file can hold a huge image
RATIO = 35 / 45  # width / height of a passport photo
MAX_WIDTH = 700  # enough for a badge at 600 dpi; larger photos are scaled down
JPEG_QUALITY = 88


class PhotoError(ValueError):
    """A photo that cannot be used, with a message for people."""


def prepare_photo(data: bytes) -> bytes:
    """The photo as it is kept: upright, passport ratio, JPEG, no metadata."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG"):
                raise PhotoError("The photo must be a JPEG or PNG image.")
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise PhotoError(f"The photo is {width} x {height} pixels; at most "
                                 f"{MAX_PIXELS // 1_000_000} million pixels.")
            img.load()
            upright = ImageOps.exif_transpose(img)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as e:
        raise PhotoError("The photo looks like a JPEG or PNG but cannot be read.") from e
    width, height = upright.size
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise PhotoError(f"The photo is {width} x {height} pixels; a badge needs at least "
                         f"{MIN_WIDTH} x {MIN_HEIGHT} (width x height).")
    cropped = ImageOps.fit(_flatten(upright), _crop_size(width, height),
                           method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    if cropped.width > MAX_WIDTH:
        cropped = cropped.resize((MAX_WIDTH, round(MAX_WIDTH / RATIO)),
                                 Image.Resampling.LANCZOS)
    out = io.BytesIO()
    cropped.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= : none kept
    return out.getvalue()


def _crop_size(width: int, height: int) -> tuple[int, int]:
    if width / height > RATIO:  # too wide: keep the height
        return round(height * RATIO), height
    return width, round(width / RATIO)


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white (transparent PNGs would otherwise turn black in a JPEG)."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")
