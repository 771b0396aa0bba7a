"""Where slow work runs: the app's own background thread, or Celery workers over a broker."""
