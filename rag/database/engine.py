"""Database engine and sessions. Backend-specific settings stay in this module."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, inspect
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from rag.errors import DatabaseUnavailableError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision that matches the schema the foundation made with create_all, before Alembic.
FOUNDATION_REVISION = "0001"


def make_engine(url: str) -> Engine:
    engine = _create(url)
    where = display_url(url)

    @event.listens_for(engine, "handle_error")
    def _unavailable(context: ExceptionContext) -> None:
        # Raised here, the one place every statement and connection attempt passes, so no caller ever
        # sees a driver's exception: a stopped server, a dropped connection, a full disk or a locked file.
        # A pre-ping's failure is left alone: the pool recycles the connection and retries by itself.
        if context.is_pre_ping or isinstance(context.sqlalchemy_exception, exc.IntegrityError):
            return
        raise DatabaseUnavailableError(
            f"DocChat cannot reach its database ({where}). Check that it is running, then try again."
        ) from context.sqlalchemy_exception

    return engine


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Streamlit serves each browser session on its own thread.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # WAL lets the UI read while an upload writes; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _without_nul(_conn, _cursor, statement, parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        # PostgreSQL's text cannot hold NUL, and psycopg2 refused any statement given one, which read as "cannot
        # reach its database" (503) for a question or an id with %00 in it. U+FFFD stands for a character that
        # cannot be shown: an id with it matches nothing (not found, as on SQLite), a question keeps the rest.
        return statement, _nul_replaced(parameters)

    return engine


def _nul_replaced(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: _nul_replaced(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_nul_replaced(item) for item in value)
    return value


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings an empty or older database up to `revision`."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch migrations rebuild a SQLite table by copying it and dropping the old one: with foreign keys
            # on, dropping the old conversations table cascaded to every message (0007 lost them all). The
            # pragma works only outside a transaction, so it comes before the migration's own.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config = alembic_config(connection)
                tables = set(inspect(connection).get_table_names())
                if "documents" in tables and "alembic_version" not in tables:
                    command.stamp(config, FOUNDATION_REVISION)
                command.upgrade(config, revision)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def init_db(engine: Engine) -> sessionmaker[Session]:
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)


def display_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
