"""The HTTP services, each a Litestar app built by ``create_app(settings)``."""
