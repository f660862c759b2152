"""``trafficha sim``: set, show and clear the simulator's faults, read its ground truth, and
make it replay recorded KEC answers.

It talks to the simulator's admin API (:mod:`trafficha.apps.simulator`)::

    trafficha sim fault set road --outage refuse
    trafficha sim fault set all --latency-ms 800 --malformed
    trafficha sim fault set accidents --text '<img src=x onerror=alert(1)>'
    trafficha sim fault show
    trafficha sim fault clear
    trafficha sim served [--kind accidents] [--reset]
    trafficha sim replay DIR      # serve DIR's recordings (see trafficha.sim.replay)
    trafficha sim replay --stop   # back to the simulated world
    trafficha sim replay          # what it replays

``--url`` defaults to ``SIMULATOR_API_URL``, else http://127.0.0.1:8083. Answers are printed as
JSON; the exit status is 0 on success, 1 when the simulator is unreachable or refuses the request
(its problem document goes to stderr), 2 on bad arguments.

The same commands mount under another CLI with :func:`add_parser` and :func:`run`
(``trafficha sim fault set road --blocked``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

__all__ = ["DEFAULT_URL", "add_parser", "main", "run"]

DEFAULT_URL: Final = "http://127.0.0.1:8083"
ENDPOINT_CHOICES: Final = (
    "accidents",
    "tollgate",
    "road",
    "travel_time",
    "locations",
    "vds",
    "routes",
    "all",
)
TIMEOUT_S: Final = 10.0


class _AdminError(Exception):
    """The admin API could not be reached or refused the request."""


def _default_url() -> str:
    return os.environ.get("SIMULATOR_API_URL", "").strip() or DEFAULT_URL


def _configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``fault`` and ``served`` commands to ``parser``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=None,
        help=f"simulator base URL (default: $SIMULATOR_API_URL or {DEFAULT_URL})",
    )
    commands = parser.add_subparsers(dest="sim_command", required=True)
    fault = commands.add_parser("fault", help="inject or clear faults")
    actions = fault.add_subparsers(dest="fault_action", required=True)
    set_ = actions.add_parser(
        "set",
        parents=[common],
        help="replace the faults of one endpoint (omitted faults are switched off)",
    )
    set_.add_argument("endpoint", choices=ENDPOINT_CHOICES)
    set_.add_argument(
        "--outage",
        choices=("refuse", "503"),
        default=None,
        help="refuse: close connections without answering; 503: answer HTTP 503",
    )
    set_.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="delay every answer by N ms"
    )
    set_.add_argument("--bad-key", action="store_true", help="reject every key as KEC does")
    set_.add_argument("--blocked", action="store_true", help="answer the WAF's HTML page")
    set_.add_argument("--malformed", action="store_true", help="answer truncated JSON")
    set_.add_argument(
        "--text",
        default=None,
        metavar="TEXT",
        help="the SMS text of every incident served (accidents or all), e.g. hostile markup",
    )
    actions.add_parser("clear", parents=[common], help="clear every fault")
    actions.add_parser("show", parents=[common], help="show every endpoint's faults")
    served = commands.add_parser(
        "served", parents=[common], help="what the simulator served (the ground truth)"
    )
    served.add_argument("--kind", default="accidents", help="dataset (default accidents)")
    served.add_argument("--reset", action="store_true", help="forget it instead of showing it")
    replay = commands.add_parser(
        "replay",
        parents=[common],
        help="serve recorded KEC answers instead of the world (no DIR: show what it replays)",
    )
    replay.add_argument(
        "dir",
        nargs="?",
        default=None,
        metavar="DIR",
        help="recordings, one per dataset: accidents.json or realTimeSms.json, …",
    )
    replay.add_argument("--stop", action="store_true", help="back to the world everywhere")


def add_parser(subparsers: Any, name: str = "sim") -> argparse.ArgumentParser:
    """Mount the commands as ``name`` under another CLI's subparsers; dispatch with :func:`run`.

    ``subparsers`` is what ``ArgumentParser.add_subparsers()`` returned.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help="simulator faults, ground truth and replay",
        description=__doc__.split("\n\n")[0],
    )
    _configure(parser)
    return parser


def _request(
    base_url: str, method: str, path: str, body: object = None, *, raw: bytes | None = None
) -> Any:
    """One admin API call (a JSON ``body``, or ``raw`` bytes sent as they are); the decoded JSON
    answer."""
    url = base_url.rstrip("/") + path
    if urlsplit(url).scheme not in ("http", "https"):
        raise _AdminError(f"not an http(s) URL: {base_url!r}")
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked above
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace").strip()
        raise _AdminError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _AdminError(f"{method} {url}: {reason}") from None


def _fault_body(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "outage": args.outage,
        "latency_ms": args.latency_ms,
        "bad_key": args.bad_key,
        "blocked": args.blocked,
        "malformed": args.malformed,
        "text": args.text,
    }


def _replay(base: str, directory: str) -> Any:
    """Point the simulator at a directory of recordings: each dataset with a file replays it,
    the others go back to the world. Every file is checked here first, so a bad one changes
    nothing."""
    from pathlib import Path  # noqa: PLC0415 - only replay reads files

    from trafficha.datasets.registry import by_endpoint  # noqa: PLC0415 - keeps `fault` light
    from trafficha.sim.replay import RecordingError, recording_of, scan_dir  # noqa: PLC0415

    try:
        found, ignored = scan_dir(Path(directory))
        bodies = {endpoint: path.read_bytes() for endpoint, path in found.items()}
        for endpoint, body in bodies.items():
            recording_of(by_endpoint(endpoint), body, found[endpoint].name)
    except (RecordingError, OSError) as exc:
        raise _AdminError(str(exc)) from None
    answer: Any = _request(base, "GET", "/admin/replay")
    for endpoint in [*answer["replaying"], *answer["world"]]:
        path = found.get(endpoint)
        if path is None:
            answer = _request(base, "DELETE", f"/admin/replay/{endpoint}")
            continue
        query = urlencode({"source": path.name})
        answer = _request(base, "PUT", f"/admin/replay/{endpoint}?{query}", raw=bodies[endpoint])
    return {**answer, "ignored": ignored}


def run(args: argparse.Namespace) -> int:
    """Run a parsed command (from :func:`main` or a CLI that used :func:`add_parser`)."""
    base = args.url or _default_url()
    try:
        if args.sim_command == "fault":
            if args.fault_action == "set":
                answer = _request(base, "PUT", f"/admin/faults/{args.endpoint}", _fault_body(args))
            elif args.fault_action == "clear":
                answer = _request(base, "DELETE", "/admin/faults")
            else:
                answer = _request(base, "GET", "/admin/faults")
        elif args.sim_command == "replay":
            if args.stop and args.dir is not None:
                sys.stderr.write("trafficha sim: replay takes DIR or --stop, not both\n")
                return 2
            if args.stop:
                answer = _request(base, "DELETE", "/admin/replay")
            elif args.dir is not None:
                answer = _replay(base, args.dir)
            else:
                answer = _request(base, "GET", "/admin/replay")
        elif args.reset:
            answer = _request(base, "DELETE", "/admin/served")
        else:
            answer = _request(base, "GET", "/admin/served?" + urlencode({"kind": args.kind}))
    except _AdminError as exc:
        sys.stderr.write(f"trafficha sim: {exc}\n")
        return 1
    sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``trafficha sim`` on its own."""
    parser = argparse.ArgumentParser(prog="trafficha sim", description=__doc__.split("\n\n")[0])
    _configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
