"""Helpers for the badge tests: a forum that is open now, delegates with photos, and
reading QR codes back from PDF pages with a real decoder (zxing-cpp) after poppler's
pdftoppm has rendered them."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from delegations.models import AccreditationStatus, BadgeType


def photo_bytes(size: tuple[int, int] = (420, 560), fmt: str = "JPEG",
                exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (214, 200, 180))
    d = ImageDraw.Draw(img)
    w, h = size
    d.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.6), fill=(150, 110, 90))
    d.rectangle((w * 0.2, h * 0.65, w * 0.8, h), fill=(40, 60, 110))
    buf = io.BytesIO()
    kw: dict[str, Any] = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x0131] = "SecretSoftware 1.0"  # Software
        ex[0x9003] = "2026:05:16 09:30:00"  # DateTimeOriginal
        kw["exif"] = ex
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def open_forum(make_forum: Any, **kw: Any) -> Any:
    """A forum running today in its own zone (badges are checked against today)."""
    today = datetime.now(UTC).date()
    return make_forum(start_date=today - timedelta(days=1), end_date=today + timedelta(days=3),
                      timezone="America/New_York", **kw)


def approved(make_delegate: Any, delegation: Any, badge_type: BadgeType = BadgeType.PARTY,
             **kw: Any) -> Any:
    person = make_delegate(delegation, status=AccreditationStatus.APPROVED, **kw)
    person.accreditation.badge_type = badge_type
    return person


def pdf_pages_png(pdf: Path, out: Path, dpi: int = 300) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / pdf.stem)],
                   check=True, timeout=300)
    return sorted(out.glob(f"{pdf.stem}*.png"))


def decode_qr_codes(png: Path) -> list[str]:
    import zxingcpp

    with Image.open(png) as img:
        results = zxingcpp.read_barcodes(img.convert("L"))
    return [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
