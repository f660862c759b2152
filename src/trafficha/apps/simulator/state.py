"""The simulator's state: the world, the clock, the faults, the recordings it replays and the
ground truth of one process, and how it answers a KEC request for any dataset of the registry."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import msgspec
from litestar import Request, Response

from trafficha.apps.simulator.faults import (
    EndpointCounts,
    FaultSpec,
    faulty_answer,
    kec_response,
    truncated,
)
from trafficha.datasets.registry import DATASETS
from trafficha.datasets.spec import Dataset, PageSpec, SimRequest
from trafficha.models.domain import Accident
from trafficha.sim.replay import Recording, with_text
from trafficha.sim.wire import document, error_document, page_spec, sms_rows
from trafficha.sim.world import TrafficWorld

ENDPOINTS: Final[tuple[str, ...]] = tuple(d.endpoint for d in DATASETS)
"""The endpoint names faults and counts are kept by, one per dataset."""
TEXT_ENDPOINTS: Final[tuple[str, ...]] = tuple(d.endpoint for d in DATASETS if d.incidents)
"""The endpoints whose rows carry an SMS text, the only ones a ``text`` fault applies to."""
SMS_TEXT_KEY: Final = "smsText"


class ServedIncident(msgspec.Struct, kw_only=True):
    """One incident the simulator has served in a successful answer."""

    incident_key: str
    occurred_at: datetime
    type_code: str
    type_name: str
    route_no: str | None
    route_name: str
    served_first_at: datetime
    served_last_at: datetime
    times_served: int = 1


class ServedReport(msgspec.Struct, kw_only=True):
    """The answer of ``GET /admin/served``."""

    kind: Literal["accidents"]
    since: datetime
    capacity: int
    evicted: int
    total: int
    incidents: list[ServedIncident]
    endpoints: dict[str, EndpointCounts]


class Simulator:
    """The world, the clock, the faults and the ground truth of one simulator process.

    Everything runs on the event loop; no handler awaits between reading and updating this
    state, so no lock is needed.
    """

    def __init__(
        self,
        world: TrafficWorld,
        clock: Callable[[], datetime],
        keys: frozenset[str],
        capacity: int,
    ) -> None:
        self.world = world
        self.clock = clock
        self.keys = keys
        self.capacity = capacity
        self.faults: dict[str, FaultSpec] = {e: FaultSpec() for e in ENDPOINTS}
        self.counts: dict[str, EndpointCounts] = {e: EndpointCounts() for e in ENDPOINTS}
        self.served: OrderedDict[str, ServedIncident] = OrderedDict()
        self.evicted = 0
        self.since = clock()
        # Records a dataset derives and keeps between requests (the hourly tollgate sums).
        self.cache: dict[str, Any] = {}
        # Recorded answers served instead of the world, by endpoint (sim.replay).
        self.replays: dict[str, Recording] = {}
        self.replay_dir: str | None = None

    # --- ground truth -----------------------------------------------------------------------

    def record_served(self, incidents: Sequence[Accident]) -> None:
        now = self.clock()
        for acc in incidents:
            seen = self.served.get(acc.incident_key)
            if seen is not None:
                seen.served_last_at = now
                seen.times_served += 1
                continue
            if len(self.served) >= self.capacity:
                self.served.popitem(last=False)
                self.evicted += 1
            self.served[acc.incident_key] = ServedIncident(
                incident_key=acc.incident_key,
                occurred_at=acc.occurred_at,
                type_code=acc.type_code,
                type_name=acc.type_name,
                route_no=acc.route_no,
                route_name=acc.route_name,
                served_first_at=now,
                served_last_at=now,
            )

    def reset_served(self) -> None:
        self.served.clear()
        self.evicted = 0
        self.counts = {e: EndpointCounts() for e in ENDPOINTS}
        self.since = self.clock()

    def served_report(self) -> ServedReport:
        return ServedReport(
            kind="accidents",
            since=self.since,
            capacity=self.capacity,
            evicted=self.evicted,
            total=len(self.served),
            incidents=list(self.served.values()),
            endpoints={str(e): c for e, c in self.counts.items()},
        )

    def replay_report(self) -> dict[str, object]:
        """``GET /admin/replay``: the directory loaded at start (if still in force) and each
        replayed endpoint's source and rows; the others play the world."""
        return {
            "dir": self.replay_dir,
            "replaying": {e: r.summary() for e, r in sorted(self.replays.items())},
            "world": [e for e in ENDPOINTS if e not in self.replays],
        }

    # --- answering ---------------------------------------------------------------------------

    async def begin(self, endpoint: str, *, as_xml: bool) -> Response[bytes] | None:
        """Count the request, add the latency, and give the faulty answer if one is due."""
        self.counts[endpoint].requests += 1
        faults = self.faults[endpoint]
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        faulty = await faulty_answer(faults, as_xml=as_xml)
        if faulty is not None:
            self.counts[endpoint].faulted += 1
        return faulty

    def finish(
        self, endpoint: str, response: Response[bytes], incidents: Sequence[Accident]
    ) -> Response[bytes]:
        """Cut the answer if it is to be malformed; otherwise count it and record what it had."""
        if self.faults[endpoint].malformed:
            self.counts[endpoint].faulted += 1
            return truncated(response)
        self.counts[endpoint].ok += 1
        self.record_served(incidents)
        return response

    async def serve_kec(
        self, request: Request[Any, Any, Any], dataset: Dataset[Any]
    ) -> Response[bytes]:
        """One KEC request for a dataset: faults, then the key, then one page of its records."""
        endpoint = dataset.endpoint
        params: dict[str, str] = dict(request.query_params.items())
        as_xml = params.get("type", "").strip().lower() != "json"
        faulty = await self.begin(endpoint, as_xml=as_xml)
        if faulty is not None:
            return faulty
        if params.get("key") not in self.keys:
            self.counts[endpoint].rejected += 1
            return kec_response(error_document(), as_xml=as_xml)
        text = self.faults[endpoint].text if dataset.incidents else None
        recording = self.replays.get(endpoint)
        if recording is not None:
            page = recording.page(
                _int_param(params.get("pageNo")), _int_param(params.get("numOfRows"))
            )
            rows, served = _replayed(recording, page.rows, text)
            doc = document(dataset.feed, rows, page)
            response = kec_response(doc, as_xml=as_xml, list_key=dataset.feed.list_key)
            return self.finish(endpoint, response, served)
        now = self.clock()
        records = dataset.sim_records(SimRequest(self.world, params, now, self.cache))
        page = _page(dataset, len(records), params)
        chosen = with_sms_text(records[page.rows], text)
        doc = document(dataset.feed, dataset.wire_rows(chosen, page), page)
        response = kec_response(doc, as_xml=as_xml, list_key=dataset.feed.list_key)
        return self.finish(endpoint, response, chosen if dataset.incidents else ())

    def current_incidents(self) -> tuple[list[Any], list[Accident]]:
        """The original's ``/api/traffic``: every current incident as SMS rows (the replayed
        ones when ``accidents`` replays a recording), and the incidents they are."""
        text = self.faults["accidents"].text
        recording = self.replays.get("accidents")
        if recording is not None:
            return _replayed(recording, slice(None), text)
        incidents = with_sms_text(self.world.incidents_at(self.clock()), text)
        return list(sms_rows(incidents)), incidents


def _replayed(
    recording: Recording, rows: slice, text: str | None
) -> tuple[list[Any], list[Accident]]:
    """Some rows of a recording as served (the text fault applied), and their incidents."""
    chosen: list[Any] = list(recording.rows[rows])
    served = recording.served(rows)
    if text is None:
        return chosen, served
    return with_text(chosen, SMS_TEXT_KEY, text), with_sms_text(served, text)


def with_sms_text(records: Sequence[Any], text: str | None) -> list[Any]:
    """The records with their SMS text replaced by the ``text`` fault's, when one is set."""
    if text is None:
        return list(records)
    return [msgspec.structs.replace(r, sms_text=text) for r in records]


def _int_param(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _page(dataset: Dataset[Any], total: int, params: Mapping[str, str]) -> PageSpec:
    return page_spec(
        dataset.feed,
        total,
        page_no=_int_param(params.get("pageNo")),
        num_of_rows=_int_param(params.get("numOfRows")),
    )
