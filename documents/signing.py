"""PAdES signatures with the organization's key (pyHanko), and development keys.

Layout of a keys directory (default ./.jiefen/keys, JIEFEN_KEYS_DIR):

    ca.cert.pem, ca.key.pem            a self-signed development CA (the trust root)
    <org_code>.cert.pem, .key.pem      one signing certificate per organization, issued by the CA

`jiefen keys init` makes them. In production the directory holds the organization's real
certificates (the CA key need not be there); nothing is generated on the fly.
"""

import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.cert.pem"
CA_KEY = "ca.key.pem"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class SigningKeyMissing(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class SignerFiles:
    cert: Path
    key: Path
    ca: Path


def _stem(org_code: str) -> str:
    return _SAFE.sub("_", org_code) or "default"


def signer_files(keys_dir: Path, org_code: str) -> SignerFiles:
    stem = _stem(org_code)
    return SignerFiles(keys_dir / f"{stem}.cert.pem", keys_dir / f"{stem}.key.pem", keys_dir / CA_CERT)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
        ]
    )


def init_ca(keys_dir: Path, *, now: datetime | None = None) -> bool:
    """Create the development CA unless it exists. Returns True if it was created."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    if (keys_dir / CA_CERT).exists() and (keys_dir / CA_KEY).exists():
        return False
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("jiefen 开发用根证书（仅供测试）", "jiefen development CA")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(keys_dir / CA_KEY, _pem_key(key))
    (keys_dir / CA_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True


def issue_signer(
    keys_dir: Path, org_code: str, org_name: str, *, now: datetime | None = None, replace: bool = False
) -> SignerFiles:
    """Issue an organization's signing certificate from the development CA."""
    files = signer_files(keys_dir, org_code)
    if files.cert.exists() and files.key.exists() and not replace:
        return files
    if not (keys_dir / CA_KEY).exists():
        raise SigningKeyMissing(f"{keys_dir / CA_KEY} 不存在：先运行 jiefen keys init")
    now = now or datetime.now(UTC)
    ca_key = serialization.load_pem_private_key((keys_dir / CA_KEY).read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((keys_dir / CA_CERT).read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(org_name, org_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)  # type: ignore[arg-type]
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"urn:jiefen:org:{org_code}")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    _write_private(files.key, _pem_key(key))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def sign_pdf(pdf: bytes, files: SignerFiles, *, reason: str, location: str, name: str) -> bytes:
    """Sign `pdf` (PAdES B-B, SHA-256) with the organization's key, as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    for p in (files.cert, files.key, files.ca):
        if not p.exists():
            raise SigningKeyMissing(f"签名密钥文件 {p} 不存在：运行 jiefen keys init")
    signer = signers.SimpleSigner.load(str(files.key), str(files.cert), ca_chain_files=(str(files.ca),))
    if signer is None:
        raise SigningKeyMissing(f"无法读取签名密钥 {files.key}")
    meta = signers.PdfSignatureMetadata(
        field_name="OrgSeal",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Validation:
    intact: bool
    valid: bool
    trusted: bool
    bottom_line: bool
    signer: str
    summary: str


def validate(pdf: bytes, ca_cert: Path) -> Validation:
    """Validate the document's signature with pyHanko's validator against `ca_cert` as the root."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf))
    sigs = reader.embedded_signatures
    if not sigs:
        return Validation(False, False, False, False, "", "文书没有签名")
    root = load_cert_from_pemder(str(ca_cert))
    status = validate_pdf_signature(sigs[0], ValidationContext(trust_roots=[root]))
    return Validation(
        status.intact,
        status.valid,
        status.trusted,
        status.bottom_line,
        status.signing_cert.subject.human_friendly,
        status.summary(),
    )
