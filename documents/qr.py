"""The verification QR code printed on every document."""

import segno


def verify_path(code: str) -> str:
    return f"/api/v1/documents/verify/{code}"


def qr_svg_data_uri(url: str) -> str:
    """A QR code (error correction M) as an SVG data URI for an <img> in the template."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2, dark="#000", light="#fff")
