"""The pipeline services built on the library: collector and processor."""
