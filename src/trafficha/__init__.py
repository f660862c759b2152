"""trafficha: a high-availability Korean expressway traffic pipeline and dashboard."""

__version__ = "0.1.0"

__all__ = ["__version__"]
