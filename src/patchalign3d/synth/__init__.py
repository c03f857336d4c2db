"""The procedural data engine: categories of parts built from primitives, written as labelled shapes."""
