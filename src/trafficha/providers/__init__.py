"""Upstream providers and the KEC payload parsers."""
