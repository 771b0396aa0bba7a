"""Answering a question: retrieval, the "not in your documents" gates, quotes, the model, grounding, suggestions."""
