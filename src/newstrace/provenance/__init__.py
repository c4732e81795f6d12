"""Provenance: see the package modules."""
