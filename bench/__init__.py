"""Benchmarks and reference implementations kept beside the engine (installed with the
package, outside ``sim``)."""
