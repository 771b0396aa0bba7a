"""OCR: how many of a document's pages were read by OCR and how many could not be read, and the lines OCR read
with their boxes, for the cited-page preview.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("ocr_pages", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ocr_unreadable", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ocr_lines", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("ocr_lines")
        batch.drop_column("ocr_unreadable")
        batch.drop_column("ocr_pages")
