"""C2PA: a signed manifest whose ``c2pa.created`` action carries the digital source type.

c2pa-python is optional (``pip install 'influencer[c2pa]'``): it is imported only when a
workspace configures signing, or when a file is verified. Signing is the very last step of a
render, because any later change of the bytes would break the manifest's hash.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from influencer import __version__
from influencer.config.settings import SigningSettings
from influencer.errors import SigningError

INSTALL_HINT = "install it with: pip install 'influencer[c2pa]'"


@dataclass(frozen=True)
class SigningKey:
    """A configured certificate chain and private key, read once per render."""

    certificate: bytes
    key: bytes
    algorithm: str
    timestamp_url: str | None


@dataclass(frozen=True)
class C2paFacts:
    """What verification found in a file's C2PA manifest store."""

    present: bool
    validation_state: str | None = None  # Valid, Trusted or Invalid, as c2pa reports it
    actions: tuple[str, ...] = ()
    digital_source_type: str | None = None  # from the c2pa.created action
    signer: str | None = None
    problem: str | None = None  # why the file could not be checked, if it could not


def signing_key(settings: SigningSettings, root: Path) -> SigningKey | None:
    """The configured key, or None when the workspace does not sign."""
    if settings.certificate is None or settings.key is None:
        return None
    files = {}
    for name in ("certificate", "key"):
        path = Path(getattr(settings, name)).expanduser()
        path = path if path.is_absolute() else root / path
        try:
            files[name] = path.read_bytes()
        except OSError as exc:
            raise SigningError(f"signing.{name}: cannot read {path}: {exc.strerror}") from None
    url = str(settings.timestamp_url) if settings.timestamp_url else None
    return SigningKey(files["certificate"], files["key"], settings.algorithm, url)


def _c2pa() -> Any:
    try:
        import c2pa
    except ImportError:
        raise SigningError(f"C2PA signing is configured but c2pa-python is missing; "
                           f"{INSTALL_HINT}") from None
    return c2pa


def manifest(title: str, media_type: str, digital_source_type: str, credit: str) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "influencer", "version": __version__}],
        "title": title,
        "format": media_type,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                "action": "c2pa.created",
                "digitalSourceType": digital_source_type,
                "softwareAgent": {"name": "influencer", "version": __version__},
                "description": credit,
            }]}},
        ],
    }


def sign(data: bytes, media_type: str, key: SigningKey, claim: dict[str, Any]) -> bytes:
    """``data`` with the manifest embedded and signed."""
    c2pa = _c2pa()
    try:
        alg = getattr(c2pa.C2paSigningAlg, key.algorithm.upper())
        info = c2pa.C2paSignerInfo(alg, key.certificate, key.key, key.timestamp_url)
        signer = c2pa.Signer.from_info(info)
        builder = c2pa.Builder(json.dumps(claim))
        out = io.BytesIO()
        try:
            builder.sign(signer, media_type, io.BytesIO(data), out)
        finally:
            signer.close()
            builder.close()
    except c2pa.C2paError as exc:
        raise SigningError(f"C2PA signing failed: {exc}") from None
    return out.getvalue()


def read_c2pa(path: Path) -> C2paFacts:
    try:
        c2pa = _c2pa()
    except SigningError:
        return C2paFacts(present=False, problem=f"cannot check: c2pa-python is missing; "
                                                f"{INSTALL_HINT}")
    try:
        reader = c2pa.Reader.try_create(str(path))
        if reader is None:
            return C2paFacts(present=False)
        with reader:
            store = json.loads(reader.json())
            state = str(reader.get_validation_state())
    except c2pa.C2paError as exc:
        return C2paFacts(present=False, problem=f"unreadable manifest: {exc}")
    return _facts(store, state)


def _facts(store: dict[str, Any], state: str) -> C2paFacts:
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    actions: list[dict[str, Any]] = []
    for assertion in active.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions += assertion.get("data", {}).get("actions", [])
    created = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    signer = active.get("signature_info", {}).get("common_name")
    return C2paFacts(present=True, validation_state=state,
                     actions=tuple(str(a.get("action")) for a in actions),
                     digital_source_type=created.get("digitalSourceType"), signer=signer)
