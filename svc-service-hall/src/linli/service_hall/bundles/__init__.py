"""一件事 bundles: several items filed as one, complete when every item is."""
