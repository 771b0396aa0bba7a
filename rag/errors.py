"""Every error DocChat shows a user. Front ends catch `DocChatError` alone and print its message as it is.

Each message is written for a person with no technical background: what happened, and what to do.
"""

from __future__ import annotations


class DocChatError(Exception):
    """An error whose message is for the user. `exit_code` is what the CLI returns for it."""

    exit_code = 1


class ConfigError(DocChatError):
    """A setting (environment or .env) is wrong; the message names it."""

    exit_code = 2


class DatabaseUnavailableError(DocChatError):
    """The database cannot be reached, or failed in the middle of a request. rag/database/engine.py raises it for every
    driver error, so no front end ever sees SQLAlchemy's exceptions."""


class StoreError(DocChatError):
    """The vector store cannot be used as configured."""

    exit_code = 2


class StoreBusyError(StoreError):
    """Another process holds the embedded store."""


class PdfError(DocChatError):
    """A PDF the user gave us cannot be used."""


class ClosingError(DocChatError):
    """DocChat is closing: an answer still being written stopped at the model's next word, stored as it was."""


class LLMError(DocChatError):
    """The language model cannot be loaded, or failed while answering."""


class InvalidInputError(DocChatError, ValueError):
    """What the user gave cannot be used as it is (an empty question, a title of spaces); the message says why."""

    exit_code = 2


class ConflictError(InvalidInputError):
    """What the user asked for is well formed but clashes with what is there now (a name already taken, the last
    admin disabled): the HTTP API answers 409 for it, not 422."""


class NotFoundError(DocChatError, LookupError):
    """No document or conversation has the id the user gave."""


class UnknownDocumentError(NotFoundError):
    pass


class UnknownConversationError(NotFoundError):
    pass


class UnknownMessageError(NotFoundError):
    pass


class DocumentBusyError(DocChatError):
    """The document is still being added: it can be deleted once it is indexed (or has failed)."""


class SignInError(DocChatError):
    """Sign-in is needed, or failed: a wrong password, a disabled account, a revoked key, too many attempts. The
    message never says which of a wrong username or a wrong password it was."""

    exit_code = 3


class PermissionDeniedError(DocChatError):
    """The caller may see this, but not do that (a viewer uploading, a non-admin managing users)."""

    exit_code = 3


class UnknownUserError(NotFoundError):
    pass


class UnknownWorkspaceError(NotFoundError):
    pass
