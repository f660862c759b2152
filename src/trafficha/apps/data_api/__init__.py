"""The data API: the dashboard's reads, cached per data version, HA status and live events."""

from trafficha.apps.data_api.app import create_app
from trafficha.apps.data_api.service import DataApi

__all__ = ["DataApi", "create_app"]
