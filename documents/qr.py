"""The verification QR code printed on every document."""

import base64
import io

import segno


def verify_path(code: str) -> str:
    return f"/api/v1/documents/verify/{code}"


def qr_png_data_uri(url: str) -> str:
    """A QR code (error correction M) as a PNG data URI for an <img> in the template: one pixel per
    module with a two-module quiet zone; the stylesheet scales it with `image-rendering: pixelated`,
    so the PDF draws it with sharp edges (/Interpolate false). A PNG of a few hundred bytes costs
    WeasyPrint ~0.02 s less per document than the same code as an SVG path."""
    png = io.BytesIO()
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=1, border=2)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
