"""The public shapes: what the UI draws, the CLI prints with `--json` and the HTTP API returns, one shape each.

Sources, quotes and sentence checks are pydantic dataclasses: the library builds them positionally in hot
loops, and pydantic still validates them when they are read back from a JSON column or a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from dataclasses import dataclass as std_dataclass
from dataclasses import field as std_field
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

# SQLite hands datetimes back without their offset; they were written in UTC (rag/database/tables.py utcnow).
UTCDatetime = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))]
DocumentStatus = Literal["queued", "indexing", "indexed", "failed", "trashed"]
# What a cited page is to its reader: a page, a slide of a slide deck (rag/indexing/slides.py), or a unit of a file
# that has no pages (rag/reading/formats/): a sheet's rows, a section of a Word file or a web page, an e-mail's part.
PageUnit = Literal["page", "slide", "sheet", "section", "part"]
AnswerMode = Literal["quotes", "quotes+model", "model", "summary", "not_found"]
AnswerStatus = Literal["complete", "interrupted", "failed"]


@dataclass(frozen=True)
class Source:
    """A cited passage: the page of a document it stands on and the words of it that were found."""

    doc_id: str
    filename: str
    page: int
    snippet: str
    score: float
    # The document was deleted since the answer cited it (decided in rag/usecases/conversations.py only).
    removed: bool = False
    # The page is a scan, read by OCR: the snippet may hold misread words.
    ocr: bool = False
    # The page is a slide, cited "slide 7" (rag/presentation.py cited_at). Sources stored before it say "page".
    unit: PageUnit = "page"
    # How the citation names a unit of a file that has no pages ("sheet “Budget”, rows 2–26"); "" for a PDF's page.
    # `page` is then the unit's number, which the preview opens.
    place: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Quote:
    """One sentence of a document, word for word, with the page it stands on."""

    text: str
    doc_id: str
    filename: str
    page: int
    score: float
    removed: bool = False
    unit: PageUnit = "page"  # as Source.unit
    place: str = ""  # as Source.place

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of an answer, checked against the cited passages."""

    text: str  # exactly as it appears in the answer
    supported: bool | None  # None: too short to judge
    overlap: float
    similarity: float

    def to_dict(self) -> dict:
        return asdict(self)


SOURCES = TypeAdapter(list[Source])
QUOTES = TypeAdapter(list[Quote])
CHECKS = TypeAdapter(list[SentenceCheck])


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DocumentPublic(Public):
    id: str = Field(description="The SHA-256 of the file's content.")
    filename: str
    status: DocumentStatus
    pages: int
    passages: int
    size_bytes: int
    created_at: UTCDatetime
    # While queued or indexing: how far it is (0..1) and what it is doing, in words.
    progress: float | None = None
    progress_message: str | None = None
    # While indexing: pages read so far (of `pages`), and passages embedded so far (of `passages`).
    pages_done: int | None = None
    passages_done: int | None = None
    # Pages without a text layer that were read by OCR, and those OCR could not read (skipped, not searched).
    ocr_pages: int = 0
    ocr_unreadable: int = 0
    language: str | None = Field(default=None, description="The language of its text, as an ISO 639-1 code.")
    # Set where the library's search cannot read that language (an English-only embedding model): what to do.
    language_note: str | None = None
    error: str | None = None

    @property
    def ocr_note(self) -> str | None:
        return ocr_note(self.pages, self.ocr_pages, self.ocr_unreadable)


def ocr_note(pages: int, ocr_pages: int, unreadable: int) -> str | None:
    """ "12 of 40 pages read by OCR", and the pages it could not read, for a library row; None without OCR."""
    notes = [f"{ocr_pages} of {pages} pages read by OCR"] if ocr_pages else []
    if unreadable:
        notes.append(f"{unreadable} scanned page{'s' * (unreadable > 1)} could not be read")
    return "; ".join(notes) or None


class JobsPublic(BaseModel):
    """A workspace's indexing jobs, oldest first, and whether they wait for an unreachable job queue."""

    paused: bool = Field(description="The job queue (Redis) cannot be reached; the jobs wait, none is lost.")
    jobs: list[DocumentPublic]


class IngestResult(BaseModel):
    """What became of one file given to the library."""

    file: str
    doc_id: str | None
    status: Literal["queued", "indexed", "duplicate", "failed"]
    pages: int = 0
    chunks: int = 0
    ocr_pages: int = 0
    ocr_unreadable: int = 0
    language: str | None = None
    language_note: str | None = None
    error: str | None = None

    @property
    def ocr_note(self) -> str | None:
        return ocr_note(self.pages, self.ocr_pages, self.ocr_unreadable)


class ConversationPublic(Public):
    id: str
    title: str
    doc_ids: list[str] = Field(description="The documents it searches; empty means the whole library.")
    created_at: UTCDatetime
    updated_at: UTCDatetime
    shared: bool = Field(default=False, description="Its starter let the workspace's other members read it.")
    read_only: bool = Field(default=False, description="Started by someone else and shared: it can be read only.")
    started_by: str = Field(default="", description="The username of whoever started it.")


class MessagePublic(Public):
    id: int
    role: Literal["user", "assistant"]
    content: str = Field(description="The question, or the model's words as shown (empty when only quotes are).")
    created_at: UTCDatetime
    question_id: int | None = Field(
        default=None,
        description="An answer's question: with questions asked at once, the message before it may be another's.",
    )
    standalone_question: str | None = None
    sources: list[Source] = []
    quotes: list[Quote] = []
    grounding: list[SentenceCheck] = []
    mode: AnswerMode | None = None
    doubtful: bool = False
    status: AnswerStatus | None = None
    error: str | None = None
    model: str | None = None
    suggestions: list[str] = []
    first_token_ms: float | None = None
    total_ms: float | None = None
    feedback: Literal["up", "down"] | None = None
    feedback_reason: str | None = None
    check_pending: bool = Field(
        default=False,
        description="Quotes first: the model's short answer is still being written and checked, and the "
        "suggestions made; its words may yet appear under the quotes. False once stored, or when its process "
        "ended before.",
    )
    new_topic: bool = Field(
        default=False,
        description="The question was searched alone, and its sources are in none of the documents the "
        "conversation's earlier answers cited: it moved away from this conversation, and may start a new one.",
    )


class ConversationDetail(ConversationPublic):
    messages: list[MessagePublic]


class AnswerPublic(BaseModel):
    """A finished answer, as `ask --json` prints it and the API returns it when not streaming."""

    conversation_id: str
    message_id: int
    question: str
    # What the user reads: the quotes, then the model's answer when it is shown.
    answer: str
    mode: AnswerMode | None
    doubtful: bool
    quotes: list[Quote]
    model_answer: str
    standalone_question: str
    sources: list[Source]
    grounding: list[SentenceCheck]
    suggestions: list[str]


class Retrieval(BaseModel):
    """The passages a question finds, without a language model."""

    standalone_question: str
    sources: list[Source]


class ModelCapabilities(BaseModel):
    """What the chat model in use can do, so that nothing compares provider names: the pipeline, the UI and the
    CLI ask it. Measured on SmolLM2-135M, the local default: none of its rewrites, answers or summaries were
    worth showing first (bench/followups.py, bench/answers.py)."""

    model_config = ConfigDict(frozen=True)

    label: str  # what the UI and the CLI show as the model in use
    in_process: bool  # runs in this process: nothing leaves the computer, and it loads on the first question
    rewrites_questions: bool  # writes a usable standalone rewrite of a follow-up to search for
    answers_first: bool  # writes answers worth showing first; otherwise the documents' own sentences lead
    writes_summaries: bool  # writes a summary from a card's material, in its own words
    writes_suggestions: bool  # worth asking for extras nobody waits on: suggested questions, a card's summary


class ComponentHealth(BaseModel):
    state: Literal["ok", "unavailable", "not loaded"]
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: ComponentHealth
    store: ComponentHealth
    model: ComponentHealth

    def without_details(self) -> Health:
        """The states alone, for anyone: the database's kind and the passages of every workspace are not theirs."""
        return self.model_copy(
            update={part: ComponentHealth(state=getattr(self, part).state, detail="") for part in ("database", "store")}
        )


class UserPublic(Public):
    id: str
    username: str
    is_admin: bool
    disabled: bool
    created_at: UTCDatetime


class WorkspacePublic(BaseModel):
    id: str
    name: str
    personal: bool
    role: Literal["owner", "editor", "viewer"] | None = Field(description="The caller's role in it, if a member.")
    members: dict[str, str] = Field(default={}, description="Username: role, for admins.")


class ApiKeyPublic(Public):
    prefix: str = Field(description="The key's first characters: what `keys revoke` takes.")
    name: str
    username: str = ""
    created_at: UTCDatetime
    last_used_at: UTCDatetime | None = None
    revoked_at: UTCDatetime | None = None


class NewApiKey(ApiKeyPublic):
    key: str = Field(description="The key itself: shown once, stored only as a hash.")


class AuditEventPublic(Public):
    id: int
    at: UTCDatetime
    username: str
    action: str
    target: str
    detail: str
    address: str


class ReviewItem(BaseModel):
    """An answer for the quality review queue: thumbs down, or sentences the grounding check did not find."""

    conversation_id: str
    message_id: int
    workspace: str
    asked_by: str
    question: str
    answer: str
    feedback: Literal["up", "down"] | None
    feedback_reason: str | None
    unsupported: list[str]
    at: UTCDatetime


@std_dataclass
class Turn:
    conversation_id: str
    answer_id: int
    standalone_question: str
    sources: list[Source]
    tokens: Iterator[str]  # consume once; the stored answer follows it
    # The documents' own sentences. When `quotes_first`, they are the answer and are shown before any token.
    quotes: list[Quote] = std_field(default_factory=list)
    quotes_first: bool = False
    # Filled in once the stream is complete: each sentence checked against the sources, what produced the
    # answer shown (rag/answering/policy.py Mode), and up to 3 suggested next questions.
    grounding: list[SentenceCheck] = std_field(default_factory=list)
    mode: str | None = None
    doubtful: bool = False  # quotes the model could not use either: probably not an answer
    suggestions: list[str] = std_field(default_factory=list)

    def close(self) -> None:
        """Stops the answer where it is: what streamed so far is stored, marked interrupted, and the model's
        stream is finalised now, while the model is alive (finalised at exit, after llama.cpp freed the
        model, it aborted the process with GGML_ASSERT)."""
        close = getattr(self.tokens, "close", None)
        if close is not None:
            close()
