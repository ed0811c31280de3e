"""Benchmark (not run by `make test`): seconds per mediation-agreement PDF, rendered in one process.

    .venv/bin/python -m pytest tests/bench/test_document_render.py -q -s -p no:cacheprovider

Prints the median over 50 renders of render_html → render_pdf (WeasyPrint, HarfBuzz subsetting) and
of the full path including the PAdES signature. Goal (issue 5): ≤ 0.25 s per agreement.
The LibreOffice comparison the issue asks for is not automated here (LibreOffice is not installed).
"""

import statistics
import time

from sqlmodel import Session

from documents import context as doc_context
from documents.render import render_html, render_pdf
from models.settings import get_settings
from tests.conftest import _clean
from tests.documents.support import agreement_case, documents_of
from workflows.documents_outbox import _signer_files
from documents.signing import sign_pdf

RUNS = 50


def test_agreement_render_time(sqlite_engine):
    _clean(sqlite_engine)
    settings = get_settings()
    with Session(sqlite_engine, expire_on_commit=False) as s:
        case = agreement_case(s)
        doc = documents_of(s, case.id)["mediation_agreement"]
        ctx = doc_context.build(s, doc, tz=settings.tz, public_url=settings.public_url)
        files = _signer_files(s, settings, ctx["signer"]["code"])
    render_pdf(render_html("mediation_agreement", ctx))  # warm-up: fonts, coverage, WeasyPrint
    plain, signed = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        pdf = render_pdf(render_html("mediation_agreement", ctx))
        t1 = time.perf_counter()
        sign_pdf(pdf, files, reason="bench", location="bench", name="bench")
        t2 = time.perf_counter()
        plain.append(t1 - t0)
        signed.append(t2 - t0)
    print(f"\nagreement PDF ({len(pdf)} bytes): median {statistics.median(plain):.3f} s render, "
          f"{statistics.median(signed):.3f} s render+sign over {RUNS} runs")
    _clean(sqlite_engine)
