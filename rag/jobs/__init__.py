"""Indexing jobs: dispatched to the background thread or to Celery workers, and swept when lost."""
