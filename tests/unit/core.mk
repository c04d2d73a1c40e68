# tests/unit rules (filled in by its owner)
