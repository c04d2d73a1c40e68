# tests/cloud rules (filled in by its owner)
