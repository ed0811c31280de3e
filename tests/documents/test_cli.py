"""The CLI around documents: `jiefen serve` refuses to start without what rendering needs,
`jiefen keys init` makes a development key pair pyHanko validates, `jiefen documents render`
finishes what the API left pending."""

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from documents.render import render_pdf
from documents.signing import CA_CERT, init_ca, sign_pdf, signer_files, validate
from models.db import make_engine
from models.migrate import upgrade
from states.enums import State
from tests.conftest import _seed
from tests.documents.support import documents_of
from tests.factories import make_case

JIEFEN = Path(sys.executable).parent / "jiefen"


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JIEFEN), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180, cwd=tmp_path
    )


def test_serve_refuses_to_start_without_the_cjk_fonts(tmp_path):
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    out = _run(
        tmp_path,
        "serve",
        "--port",
        "9",
        FONTCONFIG_FILE=str(empty),
        JIEFEN_DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}",
    )
    assert out.returncode == 3, out.stdout + out.stderr
    assert "missing CJK font" in out.stderr and "fonts-noto-cjk" in out.stderr
    assert not (tmp_path / "s.db").exists()  # refused before touching anything


def test_keys_init_makes_a_key_pair_pyhanko_validates(tmp_path):
    keys = tmp_path / "keys"
    out = _run(
        tmp_path,
        "keys",
        "init",
        "--dir",
        str(keys),
        "--org",
        "CN-ZJ-XH-CC-RTW",
        JIEFEN_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}",
    )
    assert out.returncode == 0, out.stderr
    files = signer_files(keys, "CN-ZJ-XH-CC-RTW")
    assert files.cert.exists() and files.key.exists() and (keys / CA_CERT).exists()
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"
    pdf = sign_pdf(
        render_pdf('<html lang="zh-CN"><p style="font-family: \'Noto Serif CJK SC\'">测试</p></html>'),
        files,
        reason="测试",
        location="杭州",
        name="北山街道人民调解委员会",
    )
    result = validate(pdf, keys / CA_CERT)
    assert result.bottom_line and result.intact and result.trusted
    (tmp_path / "doc.pdf").write_bytes(pdf)
    ok = _run(tmp_path, "documents", "verify", str(tmp_path / "doc.pdf"), JIEFEN_KEYS_DIR=str(keys))
    assert ok.returncode == 0 and "intact=True" in ok.stdout, ok.stdout + ok.stderr
    other_ca = tmp_path / "other"
    init_ca(other_ca)
    assert not validate(pdf, other_ca / CA_CERT).trusted  # a certificate from another root is not trusted


def test_documents_render_finishes_what_was_left_pending(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    with Session(engine, expire_on_commit=False) as s:
        case = make_case(s, state=State.DIVERSION)  # the API process "died" before rendering
    out = _run(tmp_path, "documents", "render", JIEFEN_DATABASE_URL=url)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 rendered, 0 failed" in out.stdout  # the intake receipt and the acceptance notice
    with Session(engine) as s:
        docs = documents_of(s, case.id)
        assert {k: d.status for k, d in docs.items()} == {"intake_receipt": "rendered", "acceptance_notice": "rendered"}
    engine.dispose()
