"""The models behind DocChat: the chat model and the embedder, local or OpenAI-compatible, what each can do, and
the fakes the fast tests use."""
