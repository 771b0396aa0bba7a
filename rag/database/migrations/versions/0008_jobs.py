"""Jobs on workers: a document's pages read and passages embedded so far, when its job was last handed to the
queue, and how many times it was started.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("pages_done", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("passages_done", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("attempts")
        batch.drop_column("sent_at")
        batch.drop_column("passages_done")
        batch.drop_column("pages_done")
