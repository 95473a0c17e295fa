"""Demo: the certificate's issuer — 熊本県知事 with a name marked as the demo's, and a sample seal
reading 「見本」 (portal/demo/seal/, drawn by tools/certificate_artwork.py), never the real ones."""
from __future__ import annotations

import io
from pathlib import Path

from portal.certificates.issuer import DEFAULT_TITLE, settings

SAMPLE_SEAL = Path(__file__).resolve().parent / "seal" / "sample-seal.png"
DEMO_NAME = "見本　太郎（デモ）"


def seed_issuer(secretariat) -> None:
    """Set the issuer once; a secretariat that changed it keeps its own."""
    from portal.certificates import operations

    if settings() is None:
        operations.set_issuer(secretariat, DEFAULT_TITLE, DEMO_NAME, io.BytesIO(SAMPLE_SEAL.read_bytes()))
