"""Answers worth reading offline: document cards, quoted answers, suggested questions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("card", sa.JSON(), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))
        batch.add_column(sa.Column("quotes", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("suggestions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("suggestions")
        batch.drop_column("quotes")
        batch.drop_column("mode")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("card")
