"""Replay and capture: the simulator serving recorded KEC answers (``trafficha sim replay``,
``SIMULATOR_REPLAY_DIR``), and ``trafficha capture`` recording them.

The recordings are the real ones in ``../shared/kec-real`` (read from there, never copied into
the repository: a test that needs other names links them from a temporary directory). Each
recording's rows must come back through the simulator's HTTP API, paged as KEC pages, byte for
byte, and parse with the dataset's own parser. Capture runs against our own simulator (it speaks
KEC's wire format) with a made-up key, which must appear in no file and no log line.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from tests.support.shared import KEC_REAL
from tests.support.simulator import set_fault, simulator_process
from trafficha import cli
from trafficha.apps.simulator import ENDPOINTS, create_app
from trafficha.capture import MANIFEST, capture_to, scrub
from trafficha.config import Settings
from trafficha.datasets.registry import (
    ACCIDENTS,
    DATASETS,
    ROAD_STATUS,
    TOLLGATE_LIST,
    TOLLGATE_TRAFFIC,
    by_endpoint,
)
from trafficha.datasets.spec import Dataset
from trafficha.errors import ConfigError
from trafficha.secrets import MASK, Secret
from trafficha.sim import faults_cli
from trafficha.sim.replay import RecordingError, file_names, load_dir, recording_of, scan_dir

pytestmark = pytest.mark.integration

# A made-up KEC key the simulator accepts; it must never reach a file or a log.
FAKE_KEY = "7305918264"
KEYS = f"test,{FAKE_KEY}"

# What ../shared/kec-real holds for each dataset under its exact KEC name.
BY_OPERATION = {
    "accidents": "realTimeSms.json",
    "locations": "locationinfoUnit.json",
    "road": "trafficAmountByRealtime.json",
    "travel_time": "realUnitTrtm.json",
}


def recorded_rows(name: str, dataset: Dataset[Any]) -> list[dict[str, Any]]:
    doc = json.loads((KEC_REAL / name).read_bytes())
    rows: list[dict[str, Any]] = doc if isinstance(doc, list) else doc[dataset.feed.list_key]
    return rows


def http_get(base: str, path: str, **params: str | int) -> tuple[int, bytes]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    try:
        with urllib.request.urlopen(f"{base}{path}?{query}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def admin(base: str, method: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def read_pages(
    base: str, dataset: Dataset[Any], rows: int | None = None
) -> tuple[list[bytes], list[dict[str, Any]]]:
    """Every page of a dataset as a client pages KEC: the bodies and the envelopes' figures."""
    bodies: list[bytes] = []
    figures: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        params: dict[str, str | int] = {"key": FAKE_KEY, "type": "json", "pageNo": page}
        if rows is not None:
            params["numOfRows"] = rows
        status, body = http_get(base, dataset.feed.path, **params)
        assert status == 200, body[:200]
        doc = json.loads(body)
        bodies.append(body)
        figures.append({k: v for k, v in doc.items() if k != dataset.feed.list_key})
        pages = doc.get("pageSize") or 1
        page += 1
    return bodies, figures


def served_rows(bodies: list[bytes], dataset: Dataset[Any]) -> list[dict[str, Any]]:
    return [r for body in bodies for r in json.loads(body)[dataset.feed.list_key]]


def raw_rows(bodies: list[bytes], dataset: Dataset[Any]) -> list[bytes]:
    """Each row's bytes as served (key order, spacing and all)."""
    out = []
    for body in bodies:
        doc = msgspec.json.decode(body, type=dict[str, msgspec.Raw])
        out += [
            bytes(r)
            for r in msgspec.json.decode(doc[dataset.feed.list_key], type=list[msgspec.Raw])
        ]
    return out


def parsed(bodies: list[bytes], dataset: Dataset[Any]) -> list[Any]:
    records: list[Any] = []
    for body in bodies:
        page = dataset.parse(body)
        assert page.rejected == []
        records += page
    return records


# --- the naming ---------------------------------------------------------------------------------


def test_file_names_are_kind_endpoint_or_operation() -> None:
    assert file_names(ACCIDENTS) == ("accidents.json", "realTimeSms.json")
    assert file_names(TOLLGATE_LIST) == (
        "tollgates.json",
        "locations.json",
        "locationinfoUnit.json",
    )
    assert file_names(TOLLGATE_TRAFFIC) == ("tollgate.json", "trafficIc.json")
    assert file_names(ROAD_STATUS) == ("road.json", "trafficAmountByRealtime.json")
    found, ignored = scan_dir(KEC_REAL)
    assert {e: p.name for e, p in found.items()} == BY_OPERATION
    # trafficAll is not trafficIc, and the 590-unit list is not named as a dataset: ignored.
    assert {"trafficAll.json", "locationinfoUnit-590.json"} <= set(ignored)


def test_two_files_for_one_dataset_are_refused(tmp_path: Path) -> None:
    (tmp_path / "accidents.json").symlink_to(KEC_REAL / "realTimeSms.json")
    (tmp_path / "realTimeSms.json").symlink_to(KEC_REAL / "realTimeSms.json")
    with pytest.raises(RecordingError, match=r"both .* accidents"):
        scan_dir(tmp_path)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html>Request Blocked</html>", "not a JSON"),
        (b'{"code":"ERROR","message":"\\uc778\\uc99d\\ud0a4"}', "code"),
        (b'{"code":"SUCCESS","count":1}', "no list"),
        (b"[1, 2]", "row 0 is not a JSON object"),
    ],
)
def test_unusable_recordings_are_refused(body: bytes, match: str) -> None:
    with pytest.raises(RecordingError, match=match):
        recording_of(ACCIDENTS, body, "x.json")


# --- SIMULATOR_REPLAY_DIR: a simulator started on ../shared/kec-real ------------------------------


@pytest.fixture(scope="module")
def replaying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logs = tmp_path_factory.mktemp("replaying")
    with simulator_process(
        logs, SIMULATOR_API_KEYS=KEYS, SIMULATOR_REPLAY_DIR=str(KEC_REAL)
    ) as base:
        yield base


@pytest.mark.parametrize("endpoint", sorted(BY_OPERATION))
@pytest.mark.parametrize("rows", [None, 3, 7])
def test_each_recording_comes_back_paged(replaying: str, endpoint: str, rows: int | None) -> None:
    dataset = by_endpoint(endpoint)
    recorded = recorded_rows(BY_OPERATION[endpoint], dataset)
    bodies, figures = read_pages(replaying, dataset, rows)
    assert served_rows(bodies, dataset) == recorded  # every row once, in order, values as sent
    raw = msgspec.json.decode(
        (KEC_REAL / BY_OPERATION[endpoint]).read_bytes(), type=dict[str, msgspec.Raw]
    )
    recorded_raw = [
        bytes(r) for r in msgspec.json.decode(raw[dataset.feed.list_key], type=list[msgspec.Raw])
    ]
    assert raw_rows(bodies, dataset) == recorded_raw  # byte for byte
    total = len(recorded)
    if dataset.feed.paging:
        size = min(rows or dataset.feed.max_rows, dataset.feed.max_rows)
        pages = math.ceil(total / size)
        assert figures == [
            {
                "count": total,
                "pageNo": n,
                "numOfRows": size,
                "pageSize": pages,
                "message": "인증키가 유효합니다.",
                "code": "SUCCESS",
            }
            for n in range(1, pages + 1)
        ]
    else:  # the VDS feed: the whole list, no paging keys, as recorded
        assert figures == [{"code": "SUCCESS", "message": "인증키가 유효합니다.", "count": total}]
    # Key order of the envelope as KEC sends it for that endpoint.
    assert [k if k != dataset.feed.list_key else "<list>" for k in json.loads(bodies[0])] == list(
        dataset.feed.keys
    )
    records = parsed(bodies, dataset)
    assert len(records) == total


def test_recorded_incidents_parse_as_kecs(replaying: str) -> None:
    bodies, _ = read_pages(replaying, ACCIDENTS, 6)
    incidents = parsed(bodies, ACCIDENTS)
    assert len(incidents) == 20
    assert sum(a.type_code == "15" for a in incidents) == 19
    assert {(a.process_code, a.process_name) for a in incidents} == {("1", "진행")}
    assert all(a.lat is None for a in incidents)


def test_datasets_without_a_file_keep_the_world(replaying: str) -> None:
    report = admin(replaying, "GET", "/admin/replay")
    assert report["dir"] == str(KEC_REAL)
    assert set(report["replaying"]) == set(BY_OPERATION)
    assert report["replaying"]["accidents"] == {"source": "realTimeSms.json", "rows": 20}
    assert set(report["world"]) == set(ENDPOINTS) - set(BY_OPERATION)
    status, body = http_get(replaying, TOLLGATE_TRAFFIC.feed.path, key=FAKE_KEY, type="json")
    assert status == 200
    assert TOLLGATE_TRAFFIC.parse(body)  # the world's volumes


def test_keys_faults_and_ground_truth_apply_to_a_replay(replaying: str) -> None:
    status, body = http_get(replaying, ACCIDENTS.feed.path, key="wrong", type="json")
    assert json.loads(body)["code"] == "ERROR"
    set_fault(replaying, "accidents", malformed=True)
    try:
        _, body = http_get(replaying, ACCIDENTS.feed.path, key=FAKE_KEY, type="json")
        with pytest.raises(msgspec.DecodeError):
            msgspec.json.decode(body)
    finally:
        admin(replaying, "DELETE", "/admin/faults")
    admin(replaying, "DELETE", "/admin/served")
    read_pages(replaying, ACCIDENTS, 10)
    served = admin(replaying, "GET", "/admin/served")
    assert served["total"] == 20
    # The original's /api/traffic serves the recording too.
    status, body = http_get(replaying, "/api/traffic")
    assert status == 200
    assert json.loads(body)["realTimeSMSList"] == recorded_rows("realTimeSms.json", ACCIDENTS)


def test_a_replayed_text_fault_and_xml(replaying: str) -> None:
    set_fault(replaying, "accidents", text="<b>x</b>")
    try:
        _, body = http_get(replaying, ACCIDENTS.feed.path, key=FAKE_KEY, type="json", numOfRows=5)
        assert {r["smsText"] for r in json.loads(body)["realTimeSMSList"]} == {"<b>x</b>"}
    finally:
        admin(replaying, "DELETE", "/admin/faults")
    _, body = http_get(replaying, TOLLGATE_LIST.feed.path, key=FAKE_KEY, numOfRows=2)
    assert body.startswith(b"<?xml")
    assert b"<unitCode>065 </unitCode>" in body  # the recorded padding survives


def test_a_bad_replay_dir_fails_at_start(tmp_path: Path) -> None:
    (tmp_path / "accidents.json").write_text("not json")
    with pytest.raises(ConfigError, match="SIMULATOR_REPLAY_DIR"):
        create_app(Settings(simulator_replay_dir=str(tmp_path)))
    env = {
        **os.environ,
        "SIMULATOR_REPLAY_DIR": str(tmp_path / "missing"),
        "PORT": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "trafficha.cli", "run", "simulator"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert b"SIMULATOR_REPLAY_DIR" in done.stderr


# --- trafficha sim replay DIR: a running simulator pointed at recordings ------------------------


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with simulator_process(tmp_path_factory.mktemp("world"), SIMULATOR_API_KEYS=KEYS) as base:
        yield base


@pytest.fixture
def world(simulator: str) -> Iterator[str]:
    admin(simulator, "DELETE", "/admin/replay")
    admin(simulator, "DELETE", "/admin/faults")
    yield simulator
    admin(simulator, "DELETE", "/admin/replay")
    admin(simulator, "DELETE", "/admin/faults")


def test_the_cli_replays_a_directory_and_stops(
    world: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Other names for the same recordings: the kind, the endpoint, and a bare array of rows.
    (tmp_path / "accidents.json").symlink_to(KEC_REAL / "realTimeSms.json")
    (tmp_path / "tollgates.json").symlink_to(KEC_REAL / "locationinfoUnit-590.json")
    (tmp_path / "road.json").symlink_to(KEC_REAL / "trafficAmountByRealtime.json")
    (tmp_path / "notes.json").write_text("{}")
    assert faults_cli.main(["replay", str(tmp_path), "--url", world]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["replaying"] == {
        "accidents": {"source": "accidents.json", "rows": 20},
        "locations": {"source": "tollgates.json", "rows": 590},
        "road": {"source": "road.json", "rows": 2},
    }
    assert shown["ignored"] == ["notes.json"]

    # The bare array is wrapped in locationinfoUnit's envelope and paged by 100.
    bodies, figures = read_pages(world, TOLLGATE_LIST)
    assert [(f["count"], f["pageNo"], f["pageSize"]) for f in figures] == [
        (590, n, 6) for n in range(1, 7)
    ]
    assert served_rows(bodies, TOLLGATE_LIST) == recorded_rows(
        "locationinfoUnit-590.json", TOLLGATE_LIST
    )
    units = parsed(bodies, TOLLGATE_LIST)
    assert len(units) == 590
    assert sum(u.lat is None for u in units) == 194

    # A directory naming only some datasets puts the others back on the world.
    (tmp_path / "road.json").unlink()
    (tmp_path / "tollgates.json").unlink()
    assert faults_cli.main(["replay", str(tmp_path), "--url", world]) == 0
    assert set(json.loads(capsys.readouterr().out)["replaying"]) == {"accidents"}

    assert faults_cli.main(["replay", "--url", world]) == 0
    assert set(json.loads(capsys.readouterr().out)["replaying"]) == {"accidents"}
    assert faults_cli.main(["replay", "--stop", "--url", world]) == 0
    assert json.loads(capsys.readouterr().out)["replaying"] == {}
    assert faults_cli.main(["replay", str(tmp_path), "--stop", "--url", world]) == 2


def test_a_bad_directory_changes_nothing(
    world: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "road.json").symlink_to(KEC_REAL / "trafficAmountByRealtime.json")
    (tmp_path / "locations.json").write_text('{"code":"ERROR","message":"x"}')
    assert faults_cli.main(["replay", str(tmp_path), "--url", world]) == 1
    assert "locations.json" in capsys.readouterr().err
    assert admin(world, "GET", "/admin/replay")["replaying"] == {}
    assert faults_cli.main(["replay", str(tmp_path / "missing"), "--url", world]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_the_admin_routes_check_their_input() -> None:
    settings = Settings(simulator_api_keys=KEYS)
    with TestClient(create_app(settings)) as client:
        response = client.put("/admin/replay/bridges", content=b"[]")
        assert response.status_code == 400
        assert response.json()["invalid-params"][0]["name"] == "endpoint"
        response = client.put("/admin/replay/road", content=b"not json")
        assert response.status_code == 400
        assert client.get("/admin/replay").json()["replaying"] == {}
        body = (KEC_REAL / "trafficAmountByRealtime.json").read_bytes()
        answer = client.put("/admin/replay/road?source=vds.json", content=body).json()
        assert answer["replaying"] == {"road": {"source": "vds.json", "rows": 2}}
        assert client.delete("/admin/replay/road").json()["replaying"] == {}
        assert client.delete("/admin/replay/bridges").status_code == 400


# --- trafficha capture DIR --------------------------------------------------------------------


def files_text(directory: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(directory.iterdir()))


def rows_of(directory: Path) -> dict[str, list[bytes]]:
    """Each recording's rows, byte for byte."""
    found = load_dir(directory)
    return {endpoint: [bytes(r) for r in rec.rows] for endpoint, rec in found.items()}


def test_capture_records_every_dataset_and_replays_identically(
    world: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # An answer that echoes the key, as a URL and bare: the capture must not keep it.
    set_fault(world, "accidents", text=f"see http://x.test/a?key={FAKE_KEY}&b=1 ({FAKE_KEY})")
    settings = Settings(real_openapi_key=Secret(FAKE_KEY))
    first = tmp_path / "first"
    report = capture_to(first, settings, base_url=world)
    assert report.ok, report.failed
    assert set(report.datasets) == {d.kind for d in DATASETS}
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(
        [MANIFEST, *(f"{d.feed.path.rsplit('/', 1)[-1]}.json" for d in DATASETS)]
    )
    manifest = json.loads((first / MANIFEST).read_bytes())
    tollgate = manifest["datasets"]["tollgate"]
    assert tollgate["pages"] == math.ceil(tollgate["rows"] / 100) > 1  # every page was read
    assert isinstance(tollgate["reported_count"], int)
    assert manifest["datasets"]["tollgates"]["rows"] == 590
    # Each file is KEC's envelope for its feed around every row: it parses whole.
    for dataset in DATASETS:
        body = (first / f"{dataset.feed.path.rsplit('/', 1)[-1]}.json").read_bytes()
        records = dataset.parse(body)
        assert len(records) == report.datasets[dataset.kind]["rows"]
    sms = json.loads((first / "realTimeSms.json").read_bytes())["realTimeSMSList"]
    assert {r["smsText"] for r in sms} == {f"see http://x.test/a?key={MASK}&b=1 ({MASK})"}

    # The key is in no file and no log line.
    assert FAKE_KEY not in files_text(first)
    assert FAKE_KEY not in caplog.text
    assert FAKE_KEY not in json.dumps(report.datasets)

    # Replayed, the capture serves the same rows: capturing the replay gives the same files.
    admin(world, "DELETE", "/admin/faults")
    assert faults_cli.main(["replay", str(first), "--url", world]) == 0
    second = tmp_path / "second"
    again = capture_to(second, settings, base_url=world)
    assert again.ok
    assert rows_of(second) == rows_of(first)
    for dataset in DATASETS:
        name = f"{dataset.feed.path.rsplit('/', 1)[-1]}.json"
        assert (second / name).read_bytes() == (first / name).read_bytes()
    assert FAKE_KEY not in files_text(second)


def test_the_capture_command(
    world: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REAL_OPENAPI_KEY", FAKE_KEY)
    out = tmp_path / "cap"
    code = cli.main(["capture", str(out), "--base-url", world, "--dataset", "accidents"])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("accidents")
    assert FAKE_KEY not in printed
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "realTimeSms.json"]

    # A key the simulator rejects: the dataset fails, nothing of it is written, exit 1.
    monkeypatch.setenv("REAL_OPENAPI_KEY", "0000000000")
    bad = tmp_path / "bad"
    assert cli.main(["capture", str(bad), "--base-url", world, "--dataset", "road"]) == 1
    printed = capsys.readouterr().out
    assert "road" in printed
    assert "rejected" in printed
    assert sorted(p.name for p in bad.iterdir()) == [MANIFEST]

    monkeypatch.delenv("REAL_OPENAPI_KEY")
    assert cli.main(["capture", str(tmp_path / "none"), "--base-url", world]) == 1
    assert "REAL_OPENAPI_KEY" in capsys.readouterr().err
    monkeypatch.setenv("REAL_OPENAPI_KEY", FAKE_KEY)
    assert cli.main(["capture", str(tmp_path / "x"), "--dataset", "bridges"]) == 1
    assert "unknown dataset" in capsys.readouterr().err


def test_scrub_masks_the_key_and_key_parameters() -> None:
    assert scrub(f"a {FAKE_KEY} b", FAKE_KEY) == f"a {MASK} b"
    assert scrub("x?key=abc&y=1", None) == f"x?key={MASK}&y=1"
    # A short key (the demo key) is masked only where it stands alone.
    assert scrub("test testing test", "test") == f"{MASK} testing {MASK}"
