"""The command line (`python -m rag`): the same use cases the UI and the API call, printed for people or as JSON."""
