"""Stories: see the package modules."""
