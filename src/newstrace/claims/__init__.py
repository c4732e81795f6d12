"""Claims: see the package modules."""
