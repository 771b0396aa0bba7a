"""The doorway: the one small set of functions the UI, the CLI and the HTTP API call, and nothing below it.

Every function takes the process's `Services` first, returns the public shapes of rag/schemas.py (or the few
named here: a turn's stream, a card, a page's picture), and raises only `DocChatError` (rag/errors.py), whose
message is for the user. How the results are shown is rag/presentation.py's; settings are rag/config.py's.
"""

from __future__ import annotations

from rag.accounts.browser_sessions import COOKIE as SESSION_COOKIE
from rag.accounts.caller import OPERATOR, Caller
from rag.accounts.keys import PREFIX as KEY_PREFIX
from rag.answering.pipeline import Turn
from rag.indexing.cards import DocumentCard
from rag.indexing.reindex import reindex as reindex_library
from rag.reading.preview import PagePreview
from rag.records.filenames import display_name
from rag.services import Services
from rag.usecases.accounts import (
    add_user,
    begin_browser_session,
    caller_for_key,
    caller_for_session,
    create_key,
    create_workspace,
    end_browser_session,
    list_keys,
    list_users,
    list_workspaces,
    local_caller,
    my_workspaces,
    open_browser_session,
    refreshed,
    reset_password,
    revoke_key,
    set_disabled,
    set_member,
    sign_in,
    sign_in_oidc,
)
from rag.usecases.asking import (
    answer_of,
    ask,
    checked_question,
    first_questions,
    health,
    model_capabilities,
    model_in_use,
    retrieve_only,
)
from rag.usecases.conversations import (
    create_conversation,
    delete_conversation,
    export_conversation,
    get_conversation,
    give_feedback,
    list_conversations,
    rename_conversation,
    share_conversation,
)
from rag.usecases.documents import (
    Upload,
    add_files,
    delete_document,
    dismiss_failed,
    document_cards,
    empty_trash,
    get_document,
    library_ids,
    list_all_documents,
    list_documents,
    list_trash,
    page_preview,
    queue_uploads,
    restore_document,
    resume_queued,
    trash_document,
)
from rag.usecases.jobs import cancel_job, jobs_status, list_jobs, queue_files, queue_paused, retry_job
from rag.usecases.process import (
    adopt_shared,
    publish_address,
    release_shared,
    running_app,
    shared_services,
    withdraw_address,
)
from rag.usecases.review import audit_csv, audit_log, review_conversation, review_queue
from rag.usecases.startup import open_services

__all__ = [
    "KEY_PREFIX",
    "OPERATOR",
    "SESSION_COOKIE",
    "Caller",
    "DocumentCard",
    "PagePreview",
    "Services",
    "Turn",
    "Upload",
    "add_files",
    "add_user",
    "adopt_shared",
    "answer_of",
    "ask",
    "audit_csv",
    "audit_log",
    "begin_browser_session",
    "caller_for_key",
    "caller_for_session",
    "cancel_job",
    "checked_question",
    "create_conversation",
    "create_key",
    "create_workspace",
    "delete_conversation",
    "delete_document",
    "dismiss_failed",
    "display_name",
    "document_cards",
    "empty_trash",
    "end_browser_session",
    "export_conversation",
    "first_questions",
    "get_conversation",
    "get_document",
    "give_feedback",
    "health",
    "jobs_status",
    "library_ids",
    "list_all_documents",
    "list_conversations",
    "list_documents",
    "list_jobs",
    "list_keys",
    "list_trash",
    "list_users",
    "list_workspaces",
    "local_caller",
    "model_capabilities",
    "model_in_use",
    "my_workspaces",
    "open_browser_session",
    "open_services",
    "page_preview",
    "publish_address",
    "queue_files",
    "queue_paused",
    "queue_uploads",
    "refreshed",
    "reindex_library",
    "release_shared",
    "rename_conversation",
    "reset_password",
    "restore_document",
    "resume_queued",
    "retrieve_only",
    "retry_job",
    "review_conversation",
    "review_queue",
    "revoke_key",
    "running_app",
    "set_disabled",
    "set_member",
    "share_conversation",
    "shared_services",
    "sign_in",
    "sign_in_oidc",
    "trash_document",
    "withdraw_address",
]
