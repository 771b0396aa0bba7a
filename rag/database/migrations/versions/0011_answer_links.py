"""Each answer linked to its question, and the moment it was settled: questions asked at once in one conversation
were read back as each other's previous turns, and their answers beside the wrong questions.

Every answer of before was written just after its question (the nearest question before it), and its stream is
over: it is linked to that question and counted settled when it was created.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_messages_question", "messages", ["question_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_messages_question_id", ["question_id"])
    op.execute(
        "UPDATE messages SET answered_at = created_at, question_id = ("
        "SELECT MAX(q.id) FROM messages q WHERE q.conversation_id = messages.conversation_id "
        "AND q.role = 'user' AND q.id < messages.id) "
        "WHERE role = 'assistant'"
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_question_id")
        batch.drop_constraint("fk_messages_question", type_="foreignkey")
        batch.drop_column("answered_at")
        batch.drop_column("question_id")
