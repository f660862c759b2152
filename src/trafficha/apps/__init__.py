"""The HTTP services, each a Litestar app built by ``create_app(settings)``.

The supported factories are ``trafficha.create_*_app``.
"""

__all__: list[str] = []
