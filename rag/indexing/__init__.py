"""Indexing: an accepted upload becomes passages in the store, with its card, its progress and re-indexing."""
