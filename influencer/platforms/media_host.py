"""Where Instagram fetches images from: the media host seam.

Instagram's Graph API takes an image by public URL, not by upload. A ``MediaHost`` puts a
rendered file where the platform can fetch it and says at which URL:

    put(path, sha256) -> str      the public URL of that exact file (idempotent)
    remove(path, sha256) -> None  take it down again (housekeeping, takedowns)

Names are content-addressed (``<sha256><suffix>``), so the same rendered bytes always have the
same URL, putting them twice costs nothing, and a name never points to other bytes. Hosted
copies are not removed after publishing: another post may be using the same file.

Two hosts, chosen by ``[media_host]`` in ``influencer.toml``:

- ``kind = "folder"``: ``folder`` (relative to the workspace) is served by the user's own web
  server under ``public_base_url``. Files are copied in atomically (temporary file + rename).
- ``kind = "s3"``: an S3-compatible ``bucket`` (AWS, MinIO, R2, ...; ``endpoint_url``, ``region``,
  key ``prefix``). Needs the ``s3`` extra (boto3). ``credentials`` is a reference (``env:NAME``
  or ``file:PATH#KEY``) whose secret is ``ACCESS_KEY_ID:SECRET_ACCESS_KEY``; without it boto3's
  own chain is used (environment, ``~/.aws``, instance role). The URL is
  ``public_base_url/<key>`` when that is set (a bucket or CDN serving the prefix publicly),
  otherwise a presigned GET URL valid for ``PRESIGN_SECONDS``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from influencer.config.credentials import resolve
from influencer.config.settings import MediaHostSettings
from influencer.errors import CredentialError, PermanentError, RetryableError

PRESIGN_SECONDS = 3600  # long enough for Instagram to fetch while the container is processed


def hosted_name(path: Path, sha256: str) -> str:
    """The content-addressed name of a rendered file: its hash and its (lower-case) suffix."""
    return f"{sha256}{path.suffix.lower()}"


class MediaHost(ABC):
    """Puts rendered images where a platform can fetch them by URL."""

    @abstractmethod
    def put(self, path: Path, sha256: str) -> str:
        """Host the file (whose content hashes to ``sha256``) and return its public URL."""

    @abstractmethod
    def remove(self, path: Path, sha256: str) -> None:
        """Take the hosted copy down; removing what is not there is not an error."""


def _checked(path: Path, sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PermanentError(f"media host: cannot read {path}: {exc.strerror}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PermanentError(f"media host: {path} changed since it was rendered (sha256 differs)")
    return data


class FolderHost(MediaHost):
    """A folder the user serves under ``public_base_url`` (nginx, Caddy, a static site...)."""

    def __init__(self, folder: Path, public_base_url: str) -> None:
        self.folder = folder
        self.public_base_url = public_base_url.rstrip("/")

    def put(self, path: Path, sha256: str) -> str:
        data = _checked(path, sha256)
        target = self.folder / hosted_name(path, sha256)
        try:
            if not (target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256):
                self._write_atomically(target, data)
        except OSError as exc:
            raise PermanentError(f"media host: cannot write {target}: {exc.strerror}") from None
        return f"{self.public_base_url}/{target.name}"

    def remove(self, path: Path, sha256: str) -> None:
        try:
            (self.folder / hosted_name(path, sha256)).unlink(missing_ok=True)
        except OSError as exc:
            raise PermanentError(f"media host: cannot remove from {self.folder}: {exc.strerror}") from None

    def _write_atomically(self, target: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # a web server must never serve a half-written file: write aside, then rename over
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            Path(temporary).chmod(0o644)  # world-readable: the web server serves it
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class S3Host(MediaHost):
    """An S3-compatible bucket, through boto3 with its own retrying turned off."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "", public_base_url: str | None = None,
                 access_key: tuple[str, str] | None = None, timeout: float = 30.0) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self._client = _s3_client(endpoint_url, region, access_key, timeout)

    def key(self, path: Path, sha256: str) -> str:
        return f"{self.prefix}{hosted_name(path, sha256)}"

    def put(self, path: Path, sha256: str) -> str:
        data = _checked(path, sha256)
        key = self.key(path, sha256)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        with _s3_errors(f"upload {key} to bucket {self.bucket}"):
            if not self._present(key, sha256):
                self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=kind,
                                        CacheControl="public, max-age=31536000, immutable",
                                        Metadata={"sha256": sha256})
            if self.public_base_url:
                return f"{self.public_base_url}/{key}"
            url: str = self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=PRESIGN_SECONDS)
            return url

    def remove(self, path: Path, sha256: str) -> None:
        key = self.key(path, sha256)
        with _s3_errors(f"remove {key} from bucket {self.bucket}"):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def _present(self, key: str, sha256: str) -> bool:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return bool(head.get("Metadata", {}).get("sha256") == sha256)


def _s3_client(endpoint_url: str | None, region: str | None, access_key: tuple[str, str] | None,
               timeout: float) -> Any:
    try:
        import boto3
        from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise PermanentError("media host kind s3 needs boto3: pip install 'influencer[s3]'") from None
    # one retry policy, ours: botocore's own retrying is off ("standard" mode, one attempt)
    config = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=timeout,
                    read_timeout=timeout, signature_version="s3v4")
    keys = {"aws_access_key_id": access_key[0], "aws_secret_access_key": access_key[1]} if access_key else {}
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region,
                                          config=config, **keys)


@contextmanager
def _s3_errors(doing: str) -> Iterator[None]:
    """Turn botocore's failures into ours. Uploads are idempotent: nothing here is unknown."""
    from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        message = f"media host: cannot {doing}: {error.get('Code')}: {error.get('Message')}"
        if status == 429 or status >= 500 or error.get("Code") in ("SlowDown", "RequestTimeout"):
            raise RetryableError(message) from None
        raise PermanentError(message) from None
    except BotoCoreError as exc:
        # connection refused, timeouts: an upload can simply be made again
        raise RetryableError(f"media host: cannot {doing}: {exc}") from None


def media_host_from(settings: MediaHostSettings, root: Path, timeout: float = 30.0) -> MediaHost:
    """The media host ``[media_host]`` describes; relative folders resolve from ``root``."""
    base = str(settings.public_base_url) if settings.public_base_url else None
    if settings.kind == "folder":
        if settings.folder is None or base is None:
            raise PermanentError("Instagram needs a media host: set media_host.folder and "
                                 "media_host.public_base_url (or kind = \"s3\") in influencer.toml")
        folder = Path(settings.folder).expanduser()
        return FolderHost(folder if folder.is_absolute() else root / folder, base)
    if settings.bucket is None:
        raise PermanentError("media_host.kind is s3 but media_host.bucket is not set in influencer.toml")
    return S3Host(settings.bucket, endpoint_url=str(settings.endpoint_url) if settings.endpoint_url else None,
                  region=settings.region, prefix=settings.prefix, public_base_url=base,
                  access_key=_access_key(settings.credentials, root), timeout=timeout)


def _access_key(reference: str | None, root: Path) -> tuple[str, str] | None:
    if reference is None:
        return None
    try:
        key_id, sep, secret = resolve(reference, root).reveal().partition(":")
    except CredentialError as exc:
        raise PermanentError(f"media host: {exc}") from None
    if not (sep and key_id and secret):
        raise PermanentError(f"media host: the secret behind {reference} must be "
                             "ACCESS_KEY_ID:SECRET_ACCESS_KEY")
    return key_id.strip(), secret.strip()
