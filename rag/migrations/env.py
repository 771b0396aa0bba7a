"""Alembic environment: DocChat runs migrations in-process (rag.db.migrate) on a connection it passes in."""

from alembic import context

from rag.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through rag.db.migrate(engine), which passes the connection.")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
