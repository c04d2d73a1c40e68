# tests/session rules (filled in by its owner)
