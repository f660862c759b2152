"""Load test: dashboard viewers against the ingress, with SLO gates.

    locust -f loadtest/locustfile.py --headless -u 100 -r 20 -t 60s --host http://127.0.0.1:8080

The viewers and the gates live in :mod:`trafficha.loadtest` (the ``load`` extra: ``pip install
'trafficha[load]'``), so the chaos experiments' background load runs the same ones; importing
it registers the ``--slo-max-fail-ratio`` and ``--slo-p95-ms`` options and the gate that exits 3
on a breach. Locust runs every user class this file names.
"""

from __future__ import annotations

from trafficha.loadtest import DashboardViewer

__all__ = ["DashboardViewer"]
