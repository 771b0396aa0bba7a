"""The doorway: the one small set of functions the UI, the CLI and the HTTP API call, and nothing below it.

One module per kind of work, each imported by name (`from rag.usecases import documents`):
- `startup`: opening DocChat in a process, and the one `Services` a long-lived process shares;
- `documents`: adding, listing, trashing and previewing documents, and re-indexing the library;
- `jobs`: the indexing queue;
- `asking`: a question's turn, retrieval alone, suggested questions, health;
- `conversations`: transcripts, sharing, export and feedback;
- `review`: the admins' review queue and the audit log;
- `accounts`: users, sign-in, API keys and workspaces.

Every function takes the process's `Services` first, returns the public shapes of rag/schemas.py (or the few its
module names: a turn's stream, a card, a page's picture), and raises only `DocChatError` (rag/errors.py), whose
message is for the user. How results are shown is rag/presentation.py's; settings are rag/config.py's. This file
imports nothing: a front end that needs one use case does not load the others' stages.
"""
