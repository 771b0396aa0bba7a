"""The workspace's records: the document library, conversations, names, and removing what a crash left."""
