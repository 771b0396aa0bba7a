"""An answer whose quotes were stored first says whether the model's words are still being written and checked:
the chat page no longer waits for them, and polls the stored answer instead.

Every answer of before was finished by the reader that asked it: none is pending.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("check_pending_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("check_pending_since")
