# tools rules (filled in by its owner)
