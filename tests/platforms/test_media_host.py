"""The media host: a served folder, and an S3 bucket (moto's server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from influencer.config.settings import MediaHostSettings
from influencer.errors import PermanentError, RetryableError
from influencer.platforms.media_host import FolderHost, S3Host, hosted_name, media_host_from
from tests.helpers import closed_port

KEYS = ("AKIDTESTTESTTEST", "s3cr3t/test+key")


def rendered(tmp_path: Path, content: bytes = b"\xff\xd8 jpeg bytes with XMP \xff\xd9") -> tuple[Path, str]:
    path = tmp_path / "render" / "Look.JPG"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_a_folder_host_copies_content_addressed_and_atomically(tmp_path: Path) -> None:
    path, digest = rendered(tmp_path)
    host = FolderHost(tmp_path / "public" / "media", "https://cdn.example/media/")
    url = host.put(path, digest)
    assert url == f"https://cdn.example/media/{digest}.jpg"
    copy = tmp_path / "public" / "media" / f"{digest}.jpg"
    assert copy.read_bytes() == path.read_bytes() and copy.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no temporary file left
    inode = copy.stat().st_ino
    assert host.put(path, digest) == url and copy.stat().st_ino == inode  # already there: kept

    copy.write_bytes(b"truncated")  # a damaged copy is replaced, never served
    host.put(path, digest)
    assert copy.read_bytes() == path.read_bytes()
    host.remove(path, digest)
    host.remove(path, digest)
    assert not copy.exists()


def test_a_file_changed_since_rendering_is_not_hosted(tmp_path: Path) -> None:
    path, digest = rendered(tmp_path)
    path.write_bytes(b"other bytes")
    with pytest.raises(PermanentError, match="changed since it was rendered"):
        FolderHost(tmp_path / "public", "https://cdn.example").put(path, digest)
    assert not (tmp_path / "public").exists()


def test_settings_choose_the_host(tmp_path: Path) -> None:
    folder = media_host_from(MediaHostSettings.model_validate(
        {"folder": "public/media", "public_base_url": "https://cdn.example/m"}), tmp_path)
    assert isinstance(folder, FolderHost) and folder.folder == tmp_path / "public" / "media"
    with pytest.raises(PermanentError, match=r"set media_host\.folder and media_host\.public_base_url"):
        media_host_from(MediaHostSettings(), tmp_path)
    with pytest.raises(PermanentError, match=r"media_host\.bucket is not set"):
        media_host_from(MediaHostSettings(kind="s3"), tmp_path)


@pytest.fixture
def s3() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _bucket(endpoint: str, name: str = "twins") -> object:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1])
    client.create_bucket(Bucket=name)
    return client


def test_an_s3_host_uploads_once_and_serves_the_exact_bytes(s3: str, tmp_path: Path) -> None:
    client = _bucket(s3)
    path, digest = rendered(tmp_path)
    host = S3Host("twins", endpoint_url=s3, region="us-east-1", prefix="ig/", access_key=KEYS)
    url = host.put(path, digest)
    assert url.startswith(f"{s3}/twins/ig/{digest}.jpg?")  # presigned: the bucket may stay private
    assert httpx.get(url).content == path.read_bytes()
    head = client.head_object(Bucket="twins", Key=f"ig/{digest}.jpg")  # type: ignore[attr-defined]
    assert head["ContentType"] == "image/jpeg" and head["Metadata"] == {"sha256": digest}

    client.put_object(Bucket="twins", Key=f"ig/{digest}.jpg", Body=b"marker",  # type: ignore[attr-defined]
                      Metadata={"sha256": digest})
    host.put(path, digest)  # the same content is there already: not uploaded again
    assert httpx.get(url).content == b"marker"
    host.remove(path, digest)
    assert client.list_objects_v2(Bucket="twins").get("KeyCount") == 0  # type: ignore[attr-defined]


def test_an_s3_host_from_settings_with_a_public_base_url(s3: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = _bucket(s3)
    monkeypatch.setenv("MEDIA_KEYS", ":".join(KEYS))
    settings = MediaHostSettings.model_validate({
        "kind": "s3", "bucket": "twins", "endpoint_url": s3, "region": "us-east-1", "prefix": "p/",
        "public_base_url": "https://media.example", "credentials": "env:MEDIA_KEYS"})
    path, digest = rendered(tmp_path)
    host = media_host_from(settings, tmp_path)
    assert host.put(path, digest) == f"https://media.example/p/{hosted_name(path, digest)}"
    stored = client.get_object(Bucket="twins", Key=f"p/{digest}.jpg")  # type: ignore[attr-defined]
    assert stored["Body"].read() == path.read_bytes()

    monkeypatch.setenv("MEDIA_KEYS", "no-colon-here")
    with pytest.raises(PermanentError, match="must be ACCESS_KEY_ID:SECRET_ACCESS_KEY"):
        media_host_from(settings, tmp_path)


def test_a_missing_bucket_is_permanent(s3: str, tmp_path: Path) -> None:
    path, digest = rendered(tmp_path)
    host = S3Host("nowhere", endpoint_url=s3, region="us-east-1", access_key=KEYS)
    with pytest.raises(PermanentError, match="NoSuchBucket"):
        host.put(path, digest)


def test_an_unreachable_endpoint_is_retryable(tmp_path: Path) -> None:
    port = closed_port()
    path, digest = rendered(tmp_path)
    host = S3Host("twins", endpoint_url=f"http://127.0.0.1:{port}", region="us-east-1", access_key=KEYS,
                  timeout=2.0)
    with pytest.raises(RetryableError, match="cannot upload"):
        host.put(path, digest)
