"""Alembic environment: DocChat runs migrations in-process (rag.database.engine.migrate), on a connection it
passes in."""

from alembic import context

from rag.database.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through rag.database.engine.migrate(engine), which passes the connection.")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
