"""Unique document names in a workspace, by the database: uploads of the same name at once were each given it.
Names a race left twice are told apart first, as the app names them ("race (2).pdf"), oldest kept as it is.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'failed'")


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT workspace_id, doc_id, filename FROM documents WHERE status != 'failed' ORDER BY created_at, doc_id"
        )
    ).all()
    taken: dict[str, set[str]] = {}
    for workspace_id, doc_id, filename in rows:
        names = taken.setdefault(workspace_id, set())
        stem, dot, ext = filename.rpartition(".") if "." in filename else (filename, "", "")
        candidate, n = filename, 2
        while candidate in names:
            candidate, n = f"{stem} ({n}){dot}{ext}", n + 1
        names.add(candidate)
        if candidate != filename:
            connection.execute(
                sa.text("UPDATE documents SET filename = :name WHERE workspace_id = :workspace AND doc_id = :doc"),
                {"name": candidate, "workspace": workspace_id, "doc": doc_id},
            )
    op.create_index(
        "uq_documents_workspace_name",
        "documents",
        ["workspace_id", "filename"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_documents_workspace_name", table_name="documents")
