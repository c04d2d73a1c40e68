# tests/tool rules (filled in by its owner)
