"""The local HA topology: real server processes under a state directory.

Internal to the ``trafficha`` command; nothing here is library API.
"""

__all__: list[str] = []
