"""DocChat's HTTP API: the same doorway (rag.usecases) as the UI and the CLI, served under /api/v1."""
