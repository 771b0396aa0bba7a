"""Accounts and workspaces. The single-user library of earlier releases becomes the personal workspace of one
implicit owner, who is everybody while AUTH_MODE=none and whom the first `users add NAME --admin` claims.
Nothing is lost: every document and conversation is moved into that workspace. The vectors' payloads get their
workspace at the next start (rag/accounts/backfill.py): a migration cannot reach the store.

Revision ID: 0007
Revises: 0006
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = (
    "doc_id, filename, stored_path, size_bytes, pages, chunks, status, error, created_at, updated_at, "
    "trashed_at, card, progress, progress_message"
)


def _when() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("oidc_subject", sa.String(255), nullable=True, unique=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("implicit", sa.Boolean(), nullable=False),
        _when(),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("personal_of", sa.String(36), sa.ForeignKey("users.id"), nullable=True, unique=True),
        _when(),
    )
    op.create_table(
        "memberships",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        _when(),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        _when(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_browser_sessions_user_id", "browser_sessions", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])

    now = datetime.now(UTC)
    owner, personal = str(uuid.uuid4()), str(uuid.uuid4())
    op.bulk_insert(
        sa.table(
            "users",
            *(sa.column(c) for c in ("id", "username", "is_admin", "disabled", "implicit", "created_at")),
        ),
        [{"id": owner, "username": "owner", "is_admin": True, "disabled": False, "implicit": True, "created_at": now}],
    )
    op.bulk_insert(
        sa.table("workspaces", *(sa.column(c) for c in ("id", "name", "personal_of", "created_at"))),
        [{"id": personal, "name": "Personal", "personal_of": owner, "created_at": now}],
    )
    op.bulk_insert(
        sa.table("memberships", *(sa.column(c) for c in ("workspace_id", "user_id", "role"))),
        [{"workspace_id": personal, "user_id": owner, "role": "owner"}],
    )

    # Documents: the key becomes (workspace, content hash). A new table, filled and renamed, is the one way that
    # changes a primary key alike on SQLite and PostgreSQL.
    op.create_table(
        "documents_v7",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(36), nullable=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("stored_path", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trashed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("card", sa.JSON(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("progress_message", sa.String(200), nullable=True),
    )
    op.execute(
        sa.text(
            f"INSERT INTO documents_v7 (workspace_id, added_by, {DOCUMENT_COLUMNS}) "
            f"SELECT :workspace, :owner, {DOCUMENT_COLUMNS} FROM documents"
        ).bindparams(workspace=personal, owner=owner)
    )
    op.drop_table("documents")
    op.rename_table("documents_v7", "documents")
    op.create_index("ix_documents_doc_id", "documents", ["doc_id"])

    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("workspace_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("user_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        sa.text("UPDATE conversations SET workspace_id = :workspace, user_id = :owner").bindparams(
            workspace=personal, owner=owner
        )
    )
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("workspace_id", existing_type=sa.String(36), nullable=False)
        batch.alter_column("user_id", existing_type=sa.String(36), nullable=False)
        batch.create_foreign_key("fk_conversations_workspace", "workspaces", ["workspace_id"], ["id"])
        batch.create_foreign_key("fk_conversations_user", "users", ["user_id"], ["id"])
        batch.create_index("ix_conversations_workspace_id", ["workspace_id"])
        batch.create_index("ix_conversations_user_id", ["user_id"])

    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("feedback", sa.String(8), nullable=True))
        batch.add_column(sa.Column("feedback_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("Accounts cannot be undone: restore the backup taken before upgrading.")
