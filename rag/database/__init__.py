"""The database: its tables, the engine and sessions, and the migrations that build it."""
