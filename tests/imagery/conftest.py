"""Images made by the tests themselves, a workspace whose imagery folders they control, and
a throwaway certificate authority for C2PA signing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from influencer.config import Workspace, load_workspace

if TYPE_CHECKING:
    from cryptography import x509


@pytest.fixture
def ws_root(workspace: Path) -> Path:
    """The example workspace with every persona's imagery folder emptied for the test."""
    for folder in (workspace / "personas").glob("*/images"):
        shutil.rmtree(folder)
        folder.mkdir()
    return workspace


@pytest.fixture
def ws(ws_root: Path) -> Workspace:
    return load_workspace(ws_root).raise_for_issues()


def _name(common: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Influencer tests")])


def _usage(**on: bool) -> x509.KeyUsage:
    from cryptography import x509

    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


@pytest.fixture(scope="session")
def signing_pems() -> tuple[bytes, bytes]:
    """A leaf certificate chain (leaf + CA) and the leaf's key: c2pa refuses self-signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def build(subject: x509.Name, public: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(_name("Test CA"))
                .public_key(public).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30)))

    ca = (build(_name("Test CA"), ca_key.public_key())
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (build(_name("Twin signer"), key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    private = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return chain, private


@pytest.fixture
def signing_ws(ws_root: Path, signing_pems: tuple[bytes, bytes]) -> Workspace:
    """The workspace with C2PA signing configured in influencer.toml."""
    keys = ws_root / "keys"
    keys.mkdir()
    (keys / "chain.pem").write_bytes(signing_pems[0])
    (keys / "signer.key").write_bytes(signing_pems[1])
    (ws_root / "influencer.toml").write_text(
        '[signing]\ncertificate = "keys/chain.pem"\nkey = "keys/signer.key"\n', encoding="utf-8")
    return load_workspace(ws_root).raise_for_issues()
