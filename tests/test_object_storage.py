"""Raw and lake in object storage: an S3-compatible server on loopback (moto) holds both, same warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from flows import ingest
from flows.config import Paths
from flows.errors import ConfigError
from flows.raw import discover
from flows.raw.storage import mirror_down, mirror_up
from tests.conftest import SAMPLE_RAW, free_port
from tests.test_operations import run_pipeline, snapshot
from tests.test_scaleout import two_workers

pytestmark = pytest.mark.slow
BUCKET = "skillpulse-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """A real S3 API on loopback; yields the environment a client needs to reach it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    for path in SAMPLE_RAW.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), BUCKET, f"raw/{path.relative_to(SAMPLE_RAW).as_posix()}")
    env["client"] = client
    try:
        yield env
    finally:
        server.stop()


def run_on_s3(s3: dict, api_url: str, raw: str, lake: str, warehouse: Path, *options: str):
    """The real CLI with raw and lake under prefixes of the test bucket."""
    env = {k: v for k, v in s3.items() if k != "client"}
    return run_pipeline(
        api_url,
        f"s3://{BUCKET}/{raw}",
        warehouse,
        "--lake",
        f"s3://{BUCKET}/{lake}",
        *options,
        env=env | {"SKILLPULSE_BATCH_REPORTS": "1"},
    )


def use_s3(s3: dict, monkeypatch) -> None:
    for name, value in s3.items():
        if name != "client":
            monkeypatch.setenv(name, value)


def keys(client, prefix: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def test_raw_and_lake_in_s3_build_the_same_warehouse(
    s3: dict, prefect_server: str, tmp_path: Path
) -> None:
    local = run_pipeline(prefect_server, SAMPLE_RAW, tmp_path / "local")
    assert local.returncode == 0, local.stderr

    remote = run_on_s3(s3, prefect_server, "raw", "lake", tmp_path / "remote")
    assert remote.returncode == 0, remote.stderr
    assert snapshot(tmp_path / "remote") == snapshot(tmp_path / "local")
    lake_keys = keys(s3["client"], "lake/")
    assert "lake/reports.parquet" in lake_keys
    assert any(k.startswith("lake/observations/batch-") for k in lake_keys)

    # A new machine with only the S3 lake: nothing is re-ingested, the warehouse is rebuilt from it.
    fresh = run_on_s3(s3, prefect_server, "raw", "lake", tmp_path / "fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert "0 ingested" in fresh.stdout
    assert snapshot(tmp_path / "fresh") == snapshot(tmp_path / "local")


def test_a_removed_raw_object_retires_its_report_in_the_s3_lake(
    s3: dict, prefect_server: str, tmp_path: Path
) -> None:
    client = s3["client"]
    for key in keys(client, "raw/"):
        client.copy_object(
            Bucket=BUCKET,
            CopySource={"Bucket": BUCKET, "Key": key},
            Key="raw2/" + key.removeprefix("raw/"),
        )
    assert run_on_s3(s3, prefect_server, "raw2", "lake2", tmp_path / "w").returncode == 0
    for key in keys(client, "raw2/upwork/"):
        client.delete_object(Bucket=BUCKET, Key=key)
    retired = run_on_s3(s3, prefect_server, "raw2", "lake2", tmp_path / "w")
    assert retired.returncode == 0, retired.stderr
    assert "1 retired" in retired.stdout
    assert not [k for k in keys(client, "lake2/") if "upwork" in k]


def test_mirrors_copy_only_what_changed(s3: dict, tmp_path: Path, monkeypatch) -> None:
    use_s3(s3, monkeypatch)
    local = tmp_path / "lake"
    shutil.copytree(SAMPLE_RAW, local)
    first = mirror_up(local, f"s3://{BUCKET}/mirror")
    assert first.copied > 0 and first.deleted == 0
    again = mirror_up(local, f"s3://{BUCKET}/mirror")
    assert again.copied == 0 and again.unchanged == first.copied
    down = tmp_path / "down"
    pulled = mirror_down(f"s3://{BUCKET}/mirror", down)
    assert pulled.copied == first.copied
    assert mirror_down(f"s3://{BUCKET}/mirror", down).copied == 0
    (local / "upwork" / "in-demand-skills-2026" / "ai-skills.csv").unlink()
    assert mirror_up(local, f"s3://{BUCKET}/mirror").deleted == 1
    assert mirror_down(f"s3://{BUCKET}/mirror", down).deleted == 1


def test_a_worker_with_no_shared_disk_reads_raw_objects_and_writes_lake_objects(
    s3: dict, tmp_path: Path, monkeypatch
) -> None:
    use_s3(s3, monkeypatch)
    paths = Paths.resolve(f"s3://{BUCKET}/raw", tmp_path / "flow", lake=f"s3://{BUCKET}/lake-w")
    plan = discover.discover(SAMPLE_RAW, discover.reference_fingerprint(paths.reference), {})
    # The flow's raw folder does not exist where the worker runs.
    elsewhere = [replace(s, report_dir=tmp_path / "not-here" / s.report_id) for s in plan.changed]
    context = ingest.StorageContext(paths)
    rows = ingest.ingest_batch_from_storage(ingest.Batch(tuple(elsewhere)), context)
    assert sorted(row["status"] for row in rows) == ["ok"] * len(elsewhere)
    lake_keys = keys(s3["client"], "lake-w/")
    # One observations object for the whole batch, and every report's row points to it.
    [batch_key] = [k for k in lake_keys if k.startswith("lake-w/observations/")]
    assert {row["observations_file"] for row in rows} == {batch_key.removeprefix("lake-w/")}
    assert not list((tmp_path / "flow").rglob("*.parquet"))

    # Raw bytes that changed after discovery hashed them are not ingested: the report fails
    # alone, with an empty fingerprint so the next run retries it.
    key = "raw/upwork/in-demand-skills-2026/ai-skills.csv"
    s3["client"].put_object(Bucket=BUCKET, Key=key, Body=b"Skill,Growth\nAI integration,+1%\n")
    again = {
        r["report_id"]: r
        for r in ingest.ingest_batch_from_storage(ingest.Batch(tuple(elsewhere)), context)
    }
    upwork = again["upwork-in-demand-skills-2026"]
    assert (upwork["status"], upwork["input_fingerprint"]) == ("failed", "")
    assert f"lake-w/{upwork['quarantine_file']}" in keys(s3["client"], "lake-w/")
    assert upwork["quarantine_file"].startswith("quarantine/batch-")
    assert upwork["observations_file"] == ""
    s3["client"].upload_file(
        str(SAMPLE_RAW / "upwork/in-demand-skills-2026/ai-skills.csv"), BUCKET, key
    )

    monkeypatch.setenv("SKILLPULSE_FUZZY_THRESHOLD", "80")
    with pytest.raises(ConfigError, match="start the workers with the flow's environment"):
        ingest.ingest_batch_from_storage(ingest.Batch(tuple(elsewhere)), context)


def test_a_dask_cluster_with_s3_builds_the_same_warehouse(
    s3: dict, prefect_server: str, tmp_path: Path, monkeypatch
) -> None:
    local = run_pipeline(prefect_server, SAMPLE_RAW, tmp_path / "local")
    assert local.returncode == 0, local.stderr
    use_s3(s3, monkeypatch)  # workers hold their own storage credentials, as on a real cluster
    with two_workers() as cluster:
        remote = run_on_s3(
            s3,
            prefect_server,
            "raw",
            "lake-dask",
            tmp_path / "dask",
            "--runner",
            "dask",
            "--dask-address",
            cluster.scheduler_address,
        )
    assert remote.returncode == 0, remote.stderr
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "local")
