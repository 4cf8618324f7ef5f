"""plan_sync / apply_sync against moto's S3 in-process (and Stubber for denied access)."""

from __future__ import annotations

import base64
import hashlib
import zlib
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from samples_helpers import BUCKET, REGION, keys

from macie_notify import samples
from macie_notify.errors import AwsError, UsageError
from macie_notify.samples import Encryption, apply_sync, file_digests, plan_sync

PREFIX = "samples/"
LOCAL_KEYS = ["samples/nested/config.json", "samples/notes.txt", "samples/people.csv"]


def _recorder(s3: Any) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of every call the client makes from now on."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def hook(model: Any, params: dict[str, Any], **_: Any) -> None:
        calls.append((model.name, dict(params)))

    s3.meta.events.register("provide-client-params.s3.*", hook)
    return calls


def test_first_sync_uploads_every_visible_file_then_a_rerun_uploads_nothing(
    s3: Any, source: Path
) -> None:
    plan = plan_sync(s3, BUCKET, source, PREFIX)
    assert [(u.key, u.reason) for u in plan.uploads] == [(k, "new") for k in LOCAL_KEYS]
    assert plan.unchanged == () and plan.deletes == ()
    seen: list[tuple[int, int]] = []
    result = apply_sync(s3, plan, lambda files, sent: seen.append((files, sent)))
    assert keys(s3) == LOCAL_KEYS  # .hidden and .git/ stay home
    assert sorted(result.uploaded) == LOCAL_KEYS and result.failed == ()
    total = sum(p.stat().st_size for p in samples.sample_files(source))
    assert result.bytes == total
    assert sum(f for f, _ in seen) == 3 and sum(b for _, b in seen) == total

    calls = _recorder(s3)
    again = plan_sync(s3, BUCKET, source, PREFIX)
    assert again.uploads == () and sorted(again.unchanged) == LOCAL_KEYS
    rerun = apply_sync(s3, again)
    assert rerun.uploaded == () and rerun.bytes == 0
    # One listing pass and one encryption read: no HeadObject per file, no writes.
    assert [op for op, _ in calls] == ["ListObjectsV2", "GetBucketEncryption"]


def test_content_type_and_the_buckets_default_encryption_are_sent(s3: Any, source: Path) -> None:
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    calls = _recorder(s3)
    plan = plan_sync(s3, BUCKET, source, PREFIX)
    assert plan.encryption == Encryption("AES256")
    apply_sync(s3, plan)
    puts = {p["Key"]: p for op, p in calls if op == "PutObject"}
    assert set(puts) == set(LOCAL_KEYS)
    assert puts["samples/people.csv"]["ContentType"] == "text/csv"
    assert puts["samples/nested/config.json"]["ContentType"] == "application/json"
    assert {p["ServerSideEncryption"] for p in puts.values()} == {"AES256"}
    head = s3.head_object(Bucket=BUCKET, Key="samples/people.csv")
    assert head["ContentType"] == "text/csv" and head["ServerSideEncryption"] == "AES256"


def test_a_same_size_edit_is_found_by_its_md5(s3: Any, source: Path) -> None:
    apply_sync(s3, plan_sync(s3, BUCKET, source, PREFIX))
    (source / "notes.txt").write_text("HELLO\n")  # same size, other bytes
    plan = plan_sync(s3, BUCKET, source, PREFIX)
    assert [(u.key, u.reason) for u in plan.uploads] == [("samples/notes.txt", "changed")]
    apply_sync(s3, plan)
    body = s3.get_object(Bucket=BUCKET, Key="samples/notes.txt")["Body"].read()
    assert body == b"HELLO\n"


def test_delete_removes_only_stale_keys_under_the_prefix(s3: Any, source: Path) -> None:
    for key in ("samples/gone.txt", "samples/old/x.csv", "samples/.keep", "other/gone.txt"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    s3.put_object(Bucket=BUCKET, Key="samplesX/near-miss.txt", Body=b"x")
    without = plan_sync(s3, BUCKET, source, PREFIX)
    assert without.deletes == ()
    plan = plan_sync(s3, BUCKET, source, PREFIX, delete=True)
    assert plan.deletes == ("samples/gone.txt", "samples/old/x.csv")
    result = apply_sync(s3, plan)
    assert sorted(result.deleted) == ["samples/gone.txt", "samples/old/x.csv"]
    assert keys(s3) == sorted(
        [*LOCAL_KEYS, "samples/.keep", "other/gone.txt", "samplesX/near-miss.txt"]
    )


def test_multipart_objects_compare_by_their_multipart_etag(s3: Any, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    blob = folder / "large.bin"
    blob.write_bytes(bytes(range(256)) * (9 * 1024 * 4))  # 9 MiB: two parts of 8 MiB + 1 MiB
    apply_sync(s3, plan_sync(s3, BUCKET, folder, PREFIX))
    etag = s3.head_object(Bucket=BUCKET, Key="samples/large.bin")["ETag"].strip('"')
    digests = file_digests(blob, blob.stat().st_size)
    assert etag == digests.multipart_etag and etag.endswith("-2")
    assert digests.md5 != digests.multipart_etag
    assert plan_sync(s3, BUCKET, folder, PREFIX).uploads == ()
    # A single-part copy of the same bytes (another tool) has the plain MD5: also equal.
    s3.put_object(Bucket=BUCKET, Key="samples/large.bin", Body=blob.read_bytes())
    assert plan_sync(s3, BUCKET, folder, PREFIX).uploads == ()


def test_sse_kms_buckets_compare_the_md5_kept_in_the_metadata(s3: Any, source: Path) -> None:
    key_id = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id,
                    }
                }
            ]
        },
    )
    calls = _recorder(s3)
    plan = plan_sync(s3, BUCKET, source, PREFIX)
    assert plan.encryption == Encryption("aws:kms", key_id)
    apply_sync(s3, plan)
    put = next(p for op, p in calls if op == "PutObject" and p["Key"] == "samples/notes.txt")
    assert put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == key_id
    assert put["Metadata"] == {"md5": hashlib.md5(b"hello\n").hexdigest()}
    calls.clear()
    assert plan_sync(s3, BUCKET, source, PREFIX).uploads == ()
    # The ETag of an SSE-KMS object is not its MD5: the metadata is what was compared.
    assert sorted(p["Key"] for op, p in calls if op == "HeadObject") == LOCAL_KEYS


def test_a_missing_bucket_suggests_setup(s3: Any, source: Path) -> None:
    with pytest.raises(AwsError) as caught:
        plan_sync(s3, "no-such-bucket-here", source, PREFIX)
    assert caught.value.lines() == [
        "Error: bucket no-such-bucket-here does not exist",
        "Hint: create it with `macie-notify setup` (or check --region and bucket.name)",
    ]


def test_denied_access_names_the_bucket_and_the_permissions(source: Path) -> None:
    client = boto3.client("s3", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error(
            "list_objects_v2", "AccessDenied", "Access Denied", http_status_code=403
        )
        with pytest.raises(AwsError) as caught:
            plan_sync(client, BUCKET, source, PREFIX)
    message, hint = caught.value.lines()
    assert message == f"Error: access to bucket {BUCKET} was denied (AccessDenied: Access Denied)"
    assert "s3:ListBucket" in hint and "s3:PutObject" in hint


def test_uploads_denied_for_every_file_raise_one_error(source: Path) -> None:
    client = boto3.client("s3", region_name=REGION)
    plan = samples.SyncPlan(
        BUCKET,
        PREFIX,
        source,
        uploads=(
            samples.Upload(source / "notes.txt", "samples/notes.txt", 6, "text/plain", "new"),
        ),
        unchanged=(),
        deletes=(),
        encryption=None,
    )
    with Stubber(client) as stub:
        stub.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
        with pytest.raises(AwsError, match=f"access to bucket {BUCKET} was denied"):
            apply_sync(client, plan)


def test_a_missing_source_folder_is_a_usage_error(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=f"source folder {tmp_path / 'nope'} does not exist"):
        plan_sync(s3, BUCKET, tmp_path / "nope", PREFIX)


def test_resolve_source_falls_back_to_the_bundled_data_only_for_the_default(
    tmp_path: Path,
) -> None:
    bundled = samples.bundled_sample_data()
    assert (bundled / "employees.csv").is_file()
    assert samples.resolve_source("sample_data", str(tmp_path)) == bundled
    (tmp_path / "sample_data").mkdir()
    assert samples.resolve_source("sample_data", str(tmp_path)) == tmp_path / "sample_data"
    with pytest.raises(UsageError) as caught:
        samples.resolve_source("my-files", str(tmp_path))
    assert caught.value.exit_code == 2
    assert str(tmp_path / "my-files") in caught.value.message
    with pytest.raises(UsageError, match="--source elsewhere: no such folder"):
        samples.resolve_source("sample_data", str(tmp_path), "elsewhere")


def test_single_part_uploads_carry_their_crc32_and_small_ones_skip_100_continue(
    s3: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    small = b"x" * 4096
    (folder / "small.txt").write_bytes(small)
    (folder / "medium.bin").write_bytes(b"y" * (2 * 1024 * 1024))  # one PutObject, > 1 MiB
    sent: dict[str, dict[str, str]] = {}

    def record(request: Any, **_: Any) -> None:
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        sent[request.url.rsplit("/", 1)[-1]] = headers

    s3.meta.events.register_first("before-send.s3.PutObject", record)  # before moto answers
    apply_sync(s3, plan_sync(s3, BUCKET, folder, PREFIX))
    crc = base64.b64encode(zlib.crc32(small).to_bytes(4, "big")).decode()
    assert sent["small.txt"]["x-amz-checksum-crc32"] == crc
    assert "Expect" not in sent["small.txt"]
    # A checksum in a header: no aws-chunked body with a trailer, a plain Content-Length.
    assert "Content-Encoding" not in sent["small.txt"] and "X-Amz-Trailer" not in sent["small.txt"]
    assert sent["small.txt"]["Content-Length"] == "4096"
    assert sent["medium.bin"]["Expect"] == "100-continue"  # worth asking before 2 MiB


def test_a_prefix_names_a_folder_and_delete_needs_one(s3: Any, source: Path) -> None:
    plan = plan_sync(s3, BUCKET, source, "samples")
    assert plan.prefix == "samples/" and all(u.key.startswith("samples/") for u in plan.uploads)
    assert plan_sync(s3, BUCKET, source, "").uploads[0].key == "nested/config.json"
    with pytest.raises(UsageError, match=r"empty samples\.prefix"):
        plan_sync(s3, BUCKET, source, "", delete=True)
