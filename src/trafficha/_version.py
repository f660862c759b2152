"""The package version, in a module of its own so the package's modules need not import the
package root for it."""

__version__ = "0.1.0"
