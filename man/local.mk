# man rules (filled in by its owner)
