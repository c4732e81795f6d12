"""Reuse: see the package modules."""
