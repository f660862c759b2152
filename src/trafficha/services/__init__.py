"""The pipeline services built on the library: collector and processor.

The supported names (``Collector``, ``Processor``, ``audit``) are imported from ``trafficha``.
"""

__all__: list[str] = []
