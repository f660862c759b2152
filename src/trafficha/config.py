"""Typed settings loaded from the environment.

Every field of :class:`Settings` is read from the environment variable of the same name in upper
case (``collect_interval`` <- ``COLLECT_INTERVAL``), so the original system's variable names work
unchanged. A bad value fails at start with one :class:`~trafficha.errors.ConfigError` naming the
variable; secret values never appear in that message, in reprs or in logs.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Final, Literal, get_args, get_origin

import msgspec

from trafficha.errors import ConfigError
from trafficha.secrets import Secret

SourceMode = Literal["real", "sim", "auto"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

Address = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._-]+:[0-9]{1,5}$")]
Url = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$")]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Name = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", max_length=64)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
# `none`, or an http(s) tile template: a host that may start with Leaflet's `{s}` subdomain
# (the gateway's CSP allows it as a `*.` wildcard, which CSP knows only leftmost) and a path
# with `{z}`, `{x}` and `{y}` (or TMS's `{-y}`).
MapTileUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=(
            r"^(?:none|https?://(?:\{s\}\.)?[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
            r"/(?=\S*\{z\})(?=\S*\{x\})(?=\S*\{-?y\})\S*)$"
        )
    ),
]


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


KEC = "https://data.ex.co.kr/openapi"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every setting of every trafficha service (each service reads the ones it needs)."""

    # Source of data (the original's names).
    data_source_mode: Annotated[
        SourceMode,
        _doc(
            "Where the collector reads: `real` (KEC OpenAPI), `sim` (our simulator) or `auto` "
            "(real, falling back to sim while the real API fails or no key is set)."
        ),
    ] = "auto"
    simulator_api_url: Annotated[Url, _doc("Base URL of the traffic simulator.")] = (
        "http://127.0.0.1:8083"
    )
    real_openapi_url: Annotated[Url, _doc("KEC incident SMS endpoint (burstInfo/realTimeSms).")] = (
        f"{KEC}/burstInfo/realTimeSms"
    )
    real_openapi_key: Annotated[
        Secret | None,
        _doc(
            "KEC OpenAPI key (data.ex.co.kr). Also used for tollgate and road data unless their "
            "own keys are set."
        ),
    ] = None
    tollgate_api_url: Annotated[
        Url, _doc("KEC tollgate volume endpoint (trafficapi/trafficIc).")
    ] = f"{KEC}/trafficapi/trafficIc"
    tollgate_api_key: Annotated[
        Secret | None, _doc("KEC key for tollgate volume; defaults to REAL_OPENAPI_KEY.")
    ] = None
    road_status_api_url: Annotated[
        Url, _doc("KEC VDS flow endpoint (odtraffic/trafficAmountByRealtime).")
    ] = f"{KEC}/odtraffic/trafficAmountByRealtime"
    road_status_api_key: Annotated[
        Secret | None, _doc("KEC key for road flow; defaults to REAL_OPENAPI_KEY.")
    ] = None
    tollgate_location_api_url: Annotated[
        Url, _doc("KEC tollgate location endpoint (locationinfo/locationinfoUnit).")
    ] = f"{KEC}/locationinfo/locationinfoUnit"
    vds_list_api_url: Annotated[
        Url, _doc("KEC VDS location endpoint (vdsinfo/vdsList); uses the road flow key.")
    ] = f"{KEC}/vdsinfo/vdsList"
    route_list_api_url: Annotated[
        Url, _doc("KEC route list endpoint (roadEtcInfo/spinRouteList); uses the road flow key.")
    ] = f"{KEC}/roadEtcInfo/spinRouteList"
    travel_time_api_url: Annotated[
        Url,
        _doc("KEC travel time endpoint (trtm/realUnitTrtm); uses the tollgate volume key."),
    ] = f"{KEC}/trtm/realUnitTrtm"
    openapi_proxy_url: Annotated[
        str,
        _doc(
            "Our OpenAPI proxies (comma-separated base URLs, own member's first). When set, the "
            "collector's real source goes through them instead of calling KEC directly."
        ),
    ] = ""
    collect_interval: Annotated[timedelta, _doc("Incident polling interval.")] = timedelta(
        seconds=10
    )
    tollgate_collect_interval: Annotated[timedelta, _doc("Tollgate volume polling interval.")] = (
        timedelta(minutes=15)
    )
    road_status_collect_interval: Annotated[timedelta, _doc("Road flow polling interval.")] = (
        timedelta(minutes=5)
    )
    tollgate_list_interval: Annotated[
        timedelta, _doc("Polling interval of the tollgate list with locations (reference data).")
    ] = timedelta(hours=1)
    vds_list_interval: Annotated[
        timedelta, _doc("Polling interval of the VDS location list (reference data).")
    ] = timedelta(days=1)
    route_list_interval: Annotated[
        timedelta, _doc("Polling interval of the route list with official names (reference data).")
    ] = timedelta(days=1)
    travel_time_collect_interval: Annotated[
        timedelta, _doc("Travel time polling interval (KEC publishes a slot every 5 minutes).")
    ] = timedelta(minutes=5)

    # Central stores.
    redis_addr: Annotated[Address, _doc("Redis `host:port`.")] = "127.0.0.1:6379"
    redis_password: Annotated[Secret | None, _doc("Redis password (AUTH).")] = None
    db_host: Annotated[Address, _doc("MariaDB `host:port`.")] = "127.0.0.1:3306"
    db_user: Annotated[str, _doc("MariaDB user.")] = "trafficuser"
    db_password: Annotated[Secret | None, _doc("MariaDB password.")] = None
    db_name: Annotated[Name, _doc("MariaDB database.")] = "trafficdb"
    redis_max_connections: Annotated[
        Positive,
        _doc(
            "Most connections one Redis client holds (every service has one; the HTTP services "
            "also a 2-connection heartbeat client). A command waits for a free one rather than "
            "open more; see the connection budget in docs/operations.md."
        ),
    ] = 16
    redis_pool_timeout: Annotated[
        timedelta,
        _doc("How long a Redis command waits for a free pooled connection before it fails."),
    ] = timedelta(seconds=5)
    db_pool_max: Annotated[
        Positive,
        _doc(
            "Most MariaDB sessions one service's pool holds (processor, data API, proxy); a "
            "query waits for a free one rather than open more."
        ),
    ] = 10
    db_pool_recycle: Annotated[
        timedelta,
        _doc(
            "A pooled MariaDB session unused this long is closed (when the pool next hands one "
            "out) instead of reused."
        ),
    ] = timedelta(minutes=10)

    # Serving.
    host: Annotated[str, _doc("Address the HTTP services bind (`0.0.0.0` in containers).")] = (
        "127.0.0.1"
    )
    port: Annotated[Port, _doc("HTTP port of the service being run.")] = 8080
    probe_port: Annotated[
        Port | None,
        _doc(
            "Collector and processor: port answering `/healthz` and `/readyz` for a kubelet "
            "(unset: none; they have no HTTP API)."
        ),
    ] = None
    data_api_service_url: Annotated[
        str, _doc("Data API upstream(s) of the gateway: comma-separated URLs, own member's first.")
    ] = "http://127.0.0.1:8081"

    api_cache_max_age: Annotated[
        timedelta,
        _doc(
            "Data API: longest a cached answer is reused while no new data is committed (time "
            "windows such as 'the last 24 h' move even when data does not)."
        ),
    ] = timedelta(seconds=5)
    gateway_timeout: Annotated[
        timedelta, _doc("Gateway: time for a data-api answer before the next upstream is tried.")
    ] = timedelta(seconds=5)
    gateway_eject_after: Annotated[
        Positive, _doc("Gateway: consecutive failures after which an upstream is ejected.")
    ] = 2
    gateway_eject_for: Annotated[
        timedelta, _doc("Gateway: how long an ejected upstream is left out.")
    ] = timedelta(seconds=10)
    gateway_rate_limit: Annotated[
        Positive,
        _doc(
            "Gateway: requests per second allowed per client (token bucket; bursts of twice "
            "that). A dashboard asks about a dozen at its first load and a few a minute after."
        ),
    ] = 50
    gateway_rate_limit_exempt: Annotated[
        str,
        _doc(
            "Gateway: client networks never rate-limited, comma-separated CIDRs (loopback: "
            "operators, benchmarks and load tests on the machine itself); `none` for none."
        ),
    ] = "127.0.0.0/8,::1/128"
    spa_dist_dir: Annotated[
        str,
        _doc("Gateway: the dashboard build it serves at `/` (default: spa/dist of the checkout)."),
    ] = ""
    map_tile_url: Annotated[
        MapTileUrl,
        _doc(
            "Dashboard map: the base map's tile template (`{z}`, `{x}`, `{y}`, optional `{s}` "
            "subdomain in the host), served at /api/map/config and allowed by the gateway's "
            "CSP; `none` for the offline outline only. The map falls back to the outline "
            "whenever the tiles cannot load."
        ),
    ] = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_tile_attribution: Annotated[
        str,
        msgspec.Meta(max_length=200),
        _doc("Dashboard map: the tiles' attribution, shown as text on the map, linked."),
    ] = "© OpenStreetMap contributors"
    map_tile_attribution_url: Annotated[
        Url, _doc("Dashboard map: where the attribution links to (the tiles' licence).")
    ] = "https://www.openstreetmap.org/copyright"

    # Identity and pipeline tuning (new, same style).
    member_name: Annotated[Name, _doc("Member this process belongs to (member1, member2).")] = (
        "member1"
    )
    stream_key: Annotated[Name, _doc("Redis stream carrying collected batches.")] = "traffic-stream"
    stream_group: Annotated[Name, _doc("Consumer group of the processors.")] = (
        "traffic-processor-group"
    )
    stream_maxlen: Annotated[
        Positive, _doc("Approximate stream length kept; pending entries are never trimmed.")
    ] = 100_000
    consumer_name: Annotated[
        Name | None,
        _doc("Processor's consumer name; keep it stable per instance (default: member and host)."),
    ] = None
    claim_idle: Annotated[
        timedelta,
        _doc("Pending entries idle this long, on any consumer, are reclaimed by another."),
    ] = timedelta(seconds=5)
    max_deliveries: Annotated[
        Positive, _doc("A batch failing on this delivery goes to the dead-letter stream.")
    ] = 5
    lease_ttl: Annotated[
        timedelta,
        _doc("Collector lease TTL (renewed every third); failover takes about TTL plus that."),
    ] = timedelta(seconds=3)
    simulator_api_keys: Annotated[
        str,
        _doc("Keys the simulator accepts, comma-separated; any other key gets KEC's error answer."),
    ] = "test"
    simulator_seed: Annotated[int, _doc("Seed of the simulated traffic world.")] = 7
    simulator_replay_dir: Annotated[
        str,
        _doc(
            "Simulator: a directory of recorded KEC answers (one JSON file per dataset, named "
            "`accidents.json`, `realTimeSms.json` …) served instead of the simulated world; "
            "datasets without a file keep the world (see docs/simulator.md)."
        ),
    ] = ""
    proxy_accidents_ttl: Annotated[
        timedelta,
        _doc("How long the proxy serves a cached incident payload before fetching upstream."),
    ] = timedelta(seconds=10)
    proxy_tollgate_ttl: Annotated[
        timedelta, _doc("How long the proxy serves cached tollgate volumes and locations.")
    ] = timedelta(minutes=5)
    proxy_road_status_ttl: Annotated[
        timedelta, _doc("How long the proxy serves a cached road flow snapshot.")
    ] = timedelta(minutes=1)
    proxy_vds_list_ttl: Annotated[
        timedelta, _doc("How long the proxy serves a cached VDS location list.")
    ] = timedelta(hours=1)
    proxy_route_list_ttl: Annotated[
        timedelta, _doc("How long the proxy serves a cached route list.")
    ] = timedelta(hours=6)
    proxy_travel_time_ttl: Annotated[
        timedelta, _doc("How long the proxy serves cached travel times.")
    ] = timedelta(minutes=1)
    auto_failure_threshold: Annotated[
        Positive,
        _doc("In auto mode, consecutive real-source failures that switch collection to sim."),
    ] = 3
    auto_probe_interval: Annotated[
        timedelta, _doc("In auto mode on sim, how often the real source is probed to switch back.")
    ] = timedelta(seconds=60)
    log_level: Annotated[LogLevel, _doc("Log level.")] = "INFO"

    def __post_init__(self) -> None:
        for name, urls in (
            ("DATA_API_SERVICE_URL", self.data_api_urls),
            ("OPENAPI_PROXY_URL", self.openapi_proxy_urls),
        ):
            for url in urls:
                if not re.match(r"^https?://\S+$", url):
                    raise ValueError(f"{name}: not an http(s) URL: {url!r}")
        try:
            self.rate_limit_exempt  # noqa: B018 - parsed once here, to fail at start
        except ValueError as exc:
            raise ValueError(f"GATEWAY_RATE_LIMIT_EXEMPT: {exc}") from exc

    @property
    def data_api_urls(self) -> tuple[str, ...]:
        """The gateway's data-api upstreams, in preference order."""
        return tuple(u.strip() for u in self.data_api_service_url.split(",") if u.strip())

    @property
    def rate_limit_exempt(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The client networks the gateway does not rate-limit."""
        parts = [p.strip() for p in self.gateway_rate_limit_exempt.split(",")]
        if parts == ["none"]:
            return ()
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)

    @property
    def openapi_proxy_urls(self) -> tuple[str, ...]:
        """The collector's proxies, in preference order (empty: call KEC directly)."""
        return tuple(u.strip() for u in self.openapi_proxy_url.split(",") if u.strip())

    @property
    def tollgate_key(self) -> Secret | None:
        """The key for tollgate endpoints (its own, else the incident key)."""
        return self.tollgate_api_key or self.real_openapi_key

    @property
    def road_status_key(self) -> Secret | None:
        """The key for the road flow endpoint (its own, else the incident key)."""
        return self.road_status_api_key or self.real_openapi_key

    @property
    def simulator_keys(self) -> frozenset[str]:
        """The keys the simulator accepts."""
        return frozenset(k.strip() for k in self.simulator_api_keys.split(",") if k.strip())

    def secrets(self) -> list[Secret]:
        """Every secret value set, for log redaction."""
        return [v for v in msgspec.structs.astuple(self) if isinstance(v, Secret) and v]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> timedelta:
    """Parse a Go-style duration (``10s``, ``1m30s``, ``500ms``) or plain seconds (``300``)."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return timedelta(seconds=float(text))
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError("expected a duration such as 10s, 15m, 1h30m or 500ms")
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def env_name(field: str) -> str:
    """The environment variable that sets a field."""
    return field.upper()


# Durations where zero means "off": a data API with no cache (for measuring the cache's worth).
_ZERO_DURATIONS_OK: Final = frozenset({"api_cache_max_age"})


def _base(annotation: Any) -> tuple[Any, ...]:
    """The plain types a field accepts (``Annotated`` and ``| None`` peeled off)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return tuple(a for a in (get_args(annotation) or (annotation,)) if a is not type(None))


def _is_secret(annotation: Any) -> bool:
    return Secret in _base(annotation)


def _convert(raw: str, annotation: Any, *, zero_ok: bool = False) -> Any:
    base = _base(annotation)
    if Secret in base:
        return Secret(raw)
    if timedelta in base:
        # Go-style durations, as the original's deployments set them; msgspec knows only ISO 8601.
        duration = parse_duration(raw)
        if duration < timedelta(0) or (duration == timedelta(0) and not zero_ok):
            raise ValueError("must be greater than zero")
        return duration
    return msgspec.convert(raw, annotation, strict=False)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from the environment (``os.environ`` by default).

    Empty variables count as unset.

    Raises:
        ConfigError: a variable holds a bad value; the message names it and, unless the
            variable is a secret, the value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    info = msgspec.inspect.type_info(Settings)
    assert isinstance(info, msgspec.inspect.StructType)
    hints = {f.name: f.type for f in msgspec.structs.fields(Settings)}
    for field in info.fields:
        name = env_name(field.name)
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            values[field.name] = _convert(
                raw, hints[field.name], zero_ok=field.name in _ZERO_DURATIONS_OK
            )
        except (msgspec.ValidationError, ValueError) as exc:
            shown = "" if _is_secret(hints[field.name]) else f" (got {raw!r})"
            reason = str(exc).split(" - at ")[0]
            raise ConfigError(f"{name}: {reason}{shown}") from None
    try:
        return Settings(**values)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class SettingDoc:
    """One row of the configuration reference."""

    variable: str
    default: str
    description: str
    secret: bool


def settings_reference() -> list[SettingDoc]:
    """The configuration reference, generated from :class:`Settings` (the README table's source)."""
    defaults = Settings()
    rows = []
    for field in msgspec.structs.fields(Settings):
        meta = next(
            a for a in get_args(field.type)[1:] if isinstance(a, msgspec.Meta) and a.description
        )
        value = getattr(defaults, field.name)
        if isinstance(value, timedelta):
            shown = _format_duration(value)
        else:
            shown = "" if value is None else str(value)
        rows.append(
            SettingDoc(env_name(field.name), shown, meta.description or "", _is_secret(field.type))
        )
    return rows


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{value.total_seconds():g}s"


_CONFIGURATION_INTRO: Final = """\
# Configuration

Generated from `trafficha.config.Settings` by `python -m trafficha.config` (`make docs`); a test
fails when this page and the code disagree.

Every service reads its settings from the environment; each reads the ones it needs. The original
system's variable names work unchanged (`kubectl set env deployment/data-collector
DATA_SOURCE_MODE=sim` still does what it did); new settings follow the same style. Durations accept
Go style (`10s`, `15m`, `1h30m`, `500ms`) or plain seconds. A bad value stops the service at start
with one line naming the variable. Secret values come only from the environment and never appear
in logs or reprs. In code: `trafficha.load_settings()` reads them, `trafficha.Settings(...)` takes
them as keyword arguments named in lower case.
"""


def settings_markdown() -> str:
    """The settings as a Markdown table: variable, default, meaning."""
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for doc in settings_reference():
        default = f"`{doc.default}`" if doc.default else ""
        secret = " Secret: never logged." if doc.secret else ""
        lines.append(f"| `{doc.variable}` | {default} | {doc.description}{secret} |")
    return "\n".join(lines) + "\n"


def configuration_markdown() -> str:
    """The configuration reference page, ``docs/configuration.md``."""
    return f"{_CONFIGURATION_INTRO}\n{settings_markdown()}"


if __name__ == "__main__":
    print(configuration_markdown(), end="")
