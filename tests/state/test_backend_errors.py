"""What a user reads when the ledger's store fails: one line naming the URL, what was being
done, and the store's own gist, with obstore's request timing, retry counts, XML bodies and
debug trees cut away. Against moto's threaded S3 server on loopback, in-process."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from centra_provision.state.backend import (
    AlreadyExists,
    BackendError,
    ObjectBackend,
    VersionConflict,
    one_line,
    open_backend,
)
from tests.support.s3 import S3

XML = (
    '<?xml version="1.0" encoding="utf-8"?>\n<Error><Code>NoSuchBucket</Code>'
    "<Message>The specified bucket does not exist</Message></Error>"
)
DEBUG = '\n\nDebug source:\nNotFound {\n    path: "k",\n    source: RetryError(\n    ),\n}'


class StoreFailure(Exception):
    """Stands for an obstore exception: only its text matters to `one_line`."""


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # obstore's real shape: a timed request line, the store's XML body, a debug tree
        (
            "Object at location k not found: Error performing PUT http://127.0.0.1:9/b/k in "
            "2.898235ms - Server returned non-2xx status code: 404 Not Found: " + XML + DEBUG,
            "Object at location k not found: Error performing PUT http://127.0.0.1:9/b/k - "
            "Server returned non-2xx status code: 404 Not Found",
        ),
        # retries, and timings in seconds and microseconds, are noise too
        (
            "Generic S3 error: Error performing GET http://h/b/k in 10.2s, after 2 retries, "
            "max_retries: 2, retry_timeout: 10s - HTTP error: error sending request" + DEBUG,
            "Generic S3 error: Error performing GET http://h/b/k - HTTP error: error sending "
            "request",
        ),
        ("Error performing GET http://h/b/k in 850µs", "Error performing GET http://h/b/k"),
        (
            "Error performing GET http://h/b/k in 3s - refused",
            "Error performing GET http://h/b/k - refused",
        ),
        # a timing-like phrase that is not obstore's timing stays
        ("no bucket in 3s-region", "no bucket in 3s-region"),
        # an XML body with no colon before it, and one that repeats the prolog
        ("Server returned 500 " + XML, "Server returned 500"),
        ("bad: <?xml a?> then <?xml b?>", "bad"),
        ("bad <?xml a?> then <?xml b?>", "bad"),
        # a debug tree on the same line as the message
        ("Generic error: boom Debug source: Generic { store: S3 }", "Generic error: boom"),
        # whitespace runs are one space; a trailing colon goes, an X before it stays
        ("  cannot   open\tBOX:  ", "cannot open BOX"),
        (": leading colon kept", ": leading colon kept"),
        ("first line\nsecond line\nthird line", "first line"),
    ],
)
def test_a_store_error_is_cut_to_its_gist(raw: str, shown: str) -> None:
    assert one_line(StoreFailure(raw)) == shown


@pytest.mark.parametrize("raw", ["", "   ", ":", "\nonly on the second line"])
def test_a_store_error_with_no_text_is_named_by_its_class(raw: str) -> None:
    assert one_line(StoreFailure(raw)) == "StoreFailure"
    assert one_line(ConnectionResetError()) == "ConnectionResetError"


def test_a_store_that_is_down_is_one_line_per_request(s3: S3) -> None:
    url = s3.url("team/qa-int.ledger.json")
    backend = open_backend(url)
    version = backend.create(b"{}")
    s3.stop()
    at = f"{s3.endpoint}/{s3.bucket}/team/qa-int.ledger.json"
    cause = "Generic S3 error: Error performing {} {} - HTTP error: error sending request"
    for call, shown in [
        (backend.read, f"{url}: cannot read: " + cause.format("GET", at)),
        (
            lambda: backend.read(".lock"),
            f"{url}.lock: cannot read: " + cause.format("GET", at + ".lock"),
        ),
        (
            lambda: backend.create(b"{}", ".lock"),
            f"{url}.lock: cannot write: " + cause.format("PUT", at + ".lock"),
        ),
        (
            lambda: backend.replace(b"{}", version),
            f"{url}: cannot write: " + cause.format("PUT", at),
        ),
        (lambda: backend.replace(b"{}", None), f"{url}: cannot write: " + cause.format("PUT", at)),
        (
            lambda: backend.delete(".lock"),
            f"{url}.lock: cannot delete: "
            + cause.format("POST", f"{s3.endpoint}/{s3.bucket}?delete"),
        ),
    ]:
        with pytest.raises(BackendError) as info:
            call()
        assert str(info.value) == f"ledger store {shown}"


def test_a_write_into_a_missing_bucket_is_one_line(s3: S3) -> None:
    url = f"s3://gone-{s3.bucket}/qa-int.ledger.json"
    backend = open_backend(url)
    missing = f"ledger store {url}: the bucket does not exist (or this identity cannot see it)"
    with pytest.raises(BackendError) as info:
        backend.create(b"{}", ".lock")  # the lock, apply's first write: its PUT finds nothing
    assert str(info.value) == missing
    with pytest.raises(BackendError) as info:
        backend.replace(b"{}", None)
    assert str(info.value) == missing
    with pytest.raises(BackendError) as info:
        backend.read()
    assert str(info.value) == missing
    backend.delete(".lock")  # nothing there: nothing to do


def test_conditional_writes_against_a_real_store(s3: S3) -> None:
    backend = open_backend(s3.url("ci/ledger.json"))
    assert isinstance(backend, ObjectBackend) and backend.remote
    assert backend.read() is None and backend.read(".lock") is None
    first = backend.create(b"one")
    with pytest.raises(AlreadyExists):
        backend.create(b"two")
    with pytest.raises(VersionConflict):
        backend.replace(b"two", None)  # "absent" is a version too
    blob = backend.read()
    assert blob is not None and (blob.data, blob.version) == (b"one", first)
    second = backend.replace(b"two", first)
    assert second != first
    with pytest.raises(VersionConflict):
        backend.replace(b"three", first)  # a write over an old version never lands
    lock = backend.create(b"held", ".lock")
    assert backend.read(".lock") == type(blob)(b"held", lock)
    backend.delete(".lock")
    assert backend.read(".lock") is None
    assert backend.read() == type(blob)(b"two", second)
    backend.delete()
    assert backend.read() is None
    backend.delete()  # deleting what is gone is not an error


@pytest.mark.parametrize(
    "url", ["s3://bucket-only", "s3://bucket-only/", "s3:///key.json", "gs://b/folder/"]
)
def test_a_ledger_url_must_name_a_bucket_and_a_key(url: str) -> None:
    with pytest.raises(BackendError) as info:
        open_backend(url)
    assert str(info.value) == f"ledger URL {url} must name a bucket and an object key"


def test_what_counts_as_a_remote_location() -> None:
    for url in ("s3://b/k.json", "gs://b/k.json", "az://c/k.json"):
        backend = open_backend(url)
        assert backend.remote and backend.url == url
    for local in ("ledger.json", ".provision/qa-int.ledger.json", "https://b/k.json"):
        backend = open_backend(local)
        assert not backend.remote and backend.url == str(Path(local))
    assert not open_backend(Path("s3://b/k.json")).remote  # a Path is always a file


@pytest.mark.parametrize("allow", ["1", "true", "TRUE", "Yes"])
@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"])
def test_plain_http_to_a_loopback_endpoint_from_any_endpoint_variable(
    s3: S3, monkeypatch: pytest.MonkeyPatch, allow: str, variable: str
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv(variable, s3.endpoint)
    monkeypatch.setenv("AWS_ALLOW_HTTP", allow)
    assert open_backend(s3.url("k.json")).read() is None


@pytest.mark.parametrize("allow", ["0", "false", "no", "", None])
def test_plain_http_is_refused_unless_allowed(
    s3: S3, monkeypatch: pytest.MonkeyPatch, allow: str | None
) -> None:
    if allow is None:
        monkeypatch.delenv("AWS_ALLOW_HTTP")
    else:
        monkeypatch.setenv("AWS_ALLOW_HTTP", allow)
    url = s3.url("k.json")
    with pytest.raises(BackendError) as info:
        open_backend(url).read()
    assert str(info.value) == (
        f"ledger store {url}: cannot read: Generic S3 error: Error performing GET "
        f"{s3.endpoint}/{s3.bucket}/k.json - HTTP error: builder error"
    )


@pytest.mark.parametrize(
    ("endpoints", "named"),
    [
        ({}, "(AWS)"),
        ({"AWS_ENDPOINT_URL_S3": "http://s3.internal:9000"}, "http://s3.internal:9000"),
        ({"AWS_ENDPOINT": "http://10.0.0.7:9000"}, "http://10.0.0.7:9000"),
        ({"AWS_ENDPOINT_URL": "not a url"}, "not a url"),
    ],
)
def test_plain_http_to_anything_but_loopback_is_an_error(
    s3: S3, monkeypatch: pytest.MonkeyPatch, endpoints: dict[str, str], named: str
) -> None:
    """Checked before any request: the store behind the loopback endpoint is never asked."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    for variable, value in endpoints.items():
        monkeypatch.setenv(variable, value)
    if "AWS_ENDPOINT_URL_S3" in endpoints:
        monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)  # the S3-specific one wins
    with pytest.raises(BackendError) as info:
        open_backend(s3.url("k.json")).create(b"{}")
    assert str(info.value) == (
        f"AWS_ALLOW_HTTP is set but the S3 endpoint {named} is not on loopback; plain "
        "http:// is allowed only for a loopback endpoint"
    )
    assert boto3_keys(s3) == []


def boto3_keys(s3: S3) -> list[str]:
    import boto3

    client = boto3.client("s3", endpoint_url=s3.endpoint, region_name="us-east-1")
    return [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])]


def test_a_local_ledger_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    """A folder where the ledger (or its lock) should be: every request says which file
    and the system's reason, never a traceback; a missing one is simply absent."""
    location = tmp_path / "qa-int.ledger.json"
    backend = open_backend(location)
    assert backend.read() is None and backend.read(".lock") is None
    backend.delete(".lock")  # nothing there: nothing to do
    location.mkdir()
    (tmp_path / "qa-int.ledger.json.lock").mkdir()
    (tmp_path / "qa-int.ledger.json.lock" / "x").write_text("")
    with pytest.raises(BackendError) as info:
        backend.read()
    assert str(info.value) == f"ledger {location}: Is a directory"
    with pytest.raises(BackendError) as info:
        backend.read(".lock")
    assert str(info.value) == f"ledger {location}.lock: Is a directory"
    with pytest.raises(BackendError) as info:
        backend.delete(".lock")
    assert str(info.value) == f"ledger {location}.lock: Is a directory"
    with pytest.raises(BackendError) as info:
        backend.replace(b"{}", None, ".lock")
    assert str(info.value) == f"ledger {location}.lock: Is a directory"
    blocked = open_backend(tmp_path / "file" / "qa-int.ledger.json")
    (tmp_path / "file").write_text("a file where the folder should be")
    for call in (lambda: blocked.create(b"{}", ".lock"), lambda: blocked.replace(b"{}", None)):
        with pytest.raises(BackendError) as info:
            call()
        assert str(info.value).startswith(f"ledger {tmp_path / 'file'}/qa-int.ledger.json")
        assert ": cannot write: File exists" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".write-lock")) == [
        "file",
        "qa-int.ledger.json",
        "qa-int.ledger.json.lock",
    ]


def test_local_writes_are_conditional_and_leave_no_temp_files(tmp_path: Path) -> None:
    backend = open_backend(tmp_path / "state" / "qa-int.ledger.json")
    first = backend.create(b"one", ".lock")
    with pytest.raises(AlreadyExists):
        backend.create(b"two", ".lock")
    assert backend.read(".lock") == type(backend.read(".lock"))(b"one", first)  # type: ignore[misc]
    v1 = backend.replace(b"ledger 1", None)
    with pytest.raises(VersionConflict):
        backend.replace(b"ledger 2", None)
    with pytest.raises(VersionConflict):
        backend.replace(b"ledger 2", first)
    v2 = backend.replace(b"ledger 2", v1)
    assert v2 != v1 and backend.read() is not None
    names = sorted(p.name for p in (tmp_path / "state").iterdir() if not p.name.endswith("-lock"))
    assert names == ["qa-int.ledger.json", "qa-int.ledger.json.lock"]
    assert (tmp_path / "state" / "qa-int.ledger.json").read_bytes() == b"ledger 2"


def test_a_store_that_cannot_be_set_up_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before any request (here: Azure without an account name)."""
    for name in ("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT", "AZURE_ACCOUNT_NAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BackendError) as info:
        open_backend("az://state/qa-int.ledger.json").read()
    assert str(info.value) == (
        "ledger store az://state/qa-int.ledger.json: Generic MicrosoftAzure error: Account "
        "must be specified"
    )


class Busy(BaseHTTPRequestHandler):
    """A store that answers every request 503 and counts them."""

    hits: ClassVar[list[str]] = []

    def _busy(self) -> None:
        Busy.hits.append(self.command)
        self.send_response(503)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"busy")

    do_GET = do_PUT = do_POST = _busy

    def log_message(self, *args: object) -> None:
        pass


def test_a_busy_store_is_retried_twice_then_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few retries ride out a blip; a store that stays down fails the run in moments
    with its own words, not after obstore's default ten retries over three minutes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Busy.hits = []
    endpoint = f"http://127.0.0.1:{server.server_port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    try:
        with pytest.raises(BackendError) as info:
            open_backend("s3://team/qa-int.ledger.json").read()
    finally:
        server.shutdown()
        server.server_close()
    assert str(info.value) == (
        "ledger store s3://team/qa-int.ledger.json: cannot read: Generic S3 error: Error "
        f"performing GET {endpoint}/team/qa-int.ledger.json - Server returned non-2xx status "
        "code: 503 Service Unavailable: busy"
    )
    assert Busy.hits == ["GET"] * 3
