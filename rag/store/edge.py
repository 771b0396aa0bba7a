"""Qdrant Edge: the official in-process engine, persisted to a folder. The default backend."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import qdrant_edge as qe

from rag.errors import StoreError
from rag.store.base import (
    DENSE,
    LANGUAGE,
    SPARSE,
    WORKSPACES,
    Hit,
    Keywords,
    SearchResult,
    identity_mismatch,
    language_values,
    point_id,
    prefetch_depth,
    searched_across,
)
from rag.store.chunk import Chunk
from rag.store.lock import StoreLock, busy_message

IDENTITY_FILE = "docchat-collection.json"


class EdgeStore:
    """Qdrant Edge: the official in-process engine, persisted to a folder. One process at a time."""

    def __init__(self, path: Path, embedding_model: str, dimension: int) -> None:
        self._keywords = Keywords()
        self._lock = StoreLock(path)  # before anything reads or repairs the shard's files
        try:
            self._open(path, embedding_model, dimension)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, path: Path, embedding_model: str, dimension: int) -> None:
        path.mkdir(parents=True, exist_ok=True)
        identity_path = path / IDENTITY_FILE
        identity = {"embedding_model": embedding_model, "dimension": dimension}
        try:
            if identity_path.exists():
                recorded = json.loads(identity_path.read_text())
                if recorded != identity:
                    raise identity_mismatch(recorded, embedding_model, dimension)
                self._shard = qe.EdgeShard.load(str(path))
                # Searches filter on them: a store made before workspaces (or languages) existed gets them now.
                missing = {WORKSPACES, LANGUAGE} - self._indexed_fields()
                for field in sorted(missing):
                    self._shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
                if missing:
                    self._shard.flush()
            else:
                self._shard = qe.EdgeShard.create(str(path), self._config(dimension))
                for field in ("doc_id", WORKSPACES, LANGUAGE):
                    self._shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
                self._shard.flush()
                # Written last, so a folder without it never holds a half-made shard we trust.
                identity_path.write_text(json.dumps(identity))
        except StoreError:
            raise
        except Exception as exc:
            if "WouldBlock" in str(exc) or "lock" in str(exc).lower():
                # Edge's own lock, e.g. a process of an older DocChat that did not take ours.
                raise StoreError(busy_message(path)) from exc
            raise StoreError(f"Cannot open the document store in {path}: {exc}") from exc

    @staticmethod
    def recorded_identity(path: Path) -> dict | None:
        """What the folder's index records of its embedding model, read without opening (or locking) the shard."""
        try:
            return json.loads((path / IDENTITY_FILE).read_text())
        except (OSError, ValueError):
            return None  # no index yet, or unreadable: opening the store will say what is wrong

    def _indexed_fields(self) -> set[str]:
        return set(self._shard.info().payload_schema)

    @staticmethod
    def _config(dimension: int) -> qe.EdgeConfig:
        return qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    @staticmethod
    def _doc_filter(
        doc_ids: Sequence[str] | None,
        exclude: Sequence[str] | None = None,
        workspace: str | None = None,
        containing: Sequence[str] = (),
        language: str | None = None,
        other_than: str | None = None,
    ) -> qe.Filter | None:
        must = [qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=list(doc_ids)))] if doc_ids else []
        if workspace is not None:
            must.append(qe.FieldCondition(key=WORKSPACES, match=qe.MatchValue(value=workspace)))
        # A substring, not a word match: the text has no full-text index, and "Table 2:" is not a word.
        held = [qe.FieldCondition(key="text", match=qe.MatchSubstring(part)) for part in containing]
        must_not = [qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=list(exclude)))] if exclude else []
        if language:  # passages in this language
            must.append(qe.FieldCondition(key=LANGUAGE, match=qe.MatchAny(any=language_values(language))))
        if other_than:  # passages in another language than this one
            must_not.append(qe.FieldCondition(key=LANGUAGE, match=qe.MatchAny(any=language_values(other_than))))
        if not must and not must_not and not held:
            return None
        return qe.Filter(must=must or None, should=held or None, must_not=must_not or None)

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], workspaces: Sequence[str] = ()) -> None:
        points = [
            qe.Point(
                point_id(chunk.doc_id, chunk.chunk_index),
                {DENSE: list(vector), SPARSE: self._keywords.document(chunk.search_text, chunk.language)},
                chunk.payload() | {WORKSPACES: list(workspaces)},
            )
            for chunk, vector in zip(chunks, dense, strict=True)
        ]
        self._shard.update(qe.UpdateOperation.upsert_points(points))
        self._shard.flush()

    def set_workspaces(self, doc_id: str, workspaces: Sequence[str]) -> None:
        # In place: the vectors stay as they are, only the payload field changes.
        self._shard.update(
            qe.UpdateOperation.set_payload_by_filter(self._doc_filter([doc_id]), {WORKSPACES: list(workspaces)})
        )
        self._shard.flush()

    def count_without_workspaces(self) -> int:
        return self._shard.count(qe.CountRequest(exact=True, filter=qe.Filter(must=[qe.IsEmptyCondition(WORKSPACES)])))

    def delete_document(self, doc_id: str) -> None:
        self._shard.update(qe.UpdateOperation.delete_points_by_filter(self._doc_filter([doc_id])))
        self._shard.flush()

    def search(
        self,
        dense: Sequence[float],
        text: str,
        limit: int,
        doc_ids: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        *,
        workspace: str | None = None,
        languages: Sequence[str] = (),
        across: str | None = None,
    ) -> SearchResult:
        doc_filter = self._doc_filter(doc_ids, exclude, workspace)
        depth = prefetch_depth(limit)

        def nearest(where: qe.Filter | None) -> qe.QueryRequest:
            return qe.QueryRequest(
                limit=1, query=qe.Query.Nearest(list(dense), using=DENSE), filter=where, with_payload=False
            )

        def fused(third: qe.Filter | None) -> qe.QueryRequest:
            prefetches = [
                qe.Prefetch(limit=depth, query=qe.Query.Nearest(list(dense), using=DENSE), filter=doc_filter),
                qe.Prefetch(
                    limit=depth,
                    query=qe.Query.Nearest(self._keywords.query(text, languages), using=SPARSE),
                    filter=doc_filter,
                ),
            ]
            if third is not None:  # the passages in other languages, by meaning, in place of words (ACROSS)
                prefetches.append(
                    qe.Prefetch(limit=depth, query=qe.Query.Nearest(list(dense), using=DENSE), filter=third)
                )
            # rag/store/base.py: why this fusion
            return qe.QueryRequest(limit=limit, prefetches=prefetches, query=qe.Fusion.Dbsf(), with_payload=True)

        if not across:
            points, best = self._shard.query_batch(qe.QueryBatchRequest([fused(None), nearest(doc_filter)]))
            top, top_across = best[0].score if best else -1.0, None
        else:
            # The best passage by meaning in the question's language and in the others decide the third list.
            own = self._doc_filter(doc_ids, exclude, workspace, language=across)
            other = self._doc_filter(doc_ids, exclude, workspace, other_than=across)
            own_best, other_best = self._shard.query_batch(qe.QueryBatchRequest([nearest(own), nearest(other)]))
            top_own = own_best[0].score if own_best else -1.0
            top_across = other_best[0].score if other_best else -1.0
            points = self._shard.query(fused(other if searched_across(top_own, top_across) else None))
            top = max(top_own, top_across)
        return SearchResult(
            hits=[Hit(Chunk.from_payload(p.payload), p.score) for p in points],
            top_similarity=top,
            top_across=top_across,
        )

    def keyword_search(
        self,
        text: str,
        limit: int,
        doc_ids: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
        *,
        workspace: str | None = None,
        languages: Sequence[str] = (),
        containing: Sequence[str] = (),
    ) -> list[Chunk]:
        """BM25 alone: the passages that share the most words with `text` (and hold one of `containing`)."""
        sparse = self._keywords.query(text, languages)
        if not sparse.indices:
            return []  # only stopwords: BM25 has nothing to look for
        request = qe.QueryRequest(
            limit=limit,
            query=qe.Query.Nearest(sparse, using=SPARSE),
            filter=self._doc_filter(doc_ids, exclude, workspace, containing),
            with_payload=True,
        )
        return [Chunk.from_payload(p.payload) for p in self._shard.query(request)]

    def passages(self, doc_id: str, indexes: Sequence[int]) -> list[Chunk]:
        points = self._shard.retrieve([point_id(doc_id, i) for i in indexes], True, False)
        found = {c.chunk_index: c for c in (Chunk.from_payload(p.payload) for p in points)}
        return [found[i] for i in indexes if i in found]

    def count(self, doc_id: str | None = None) -> int:
        return self._shard.count(qe.CountRequest(exact=True, filter=self._doc_filter([doc_id] if doc_id else None)))

    def optimize(self) -> None:
        # Edge has no background optimizer: without this, new points stay in unindexed segments and a
        # query at 100k chunks takes 49 ms at p95 instead of 5.6 ms (bench/latency.py).
        self._shard.optimize()

    def close(self) -> None:
        try:
            self._shard.close()
        finally:
            self._lock.release()


@dataclass(frozen=True)
class EdgeRebuild:
    """The old store folder, moved aside to `<folder>.previous` until the new one is complete."""

    previous: Path
    target: None = None

    @classmethod
    def begin(cls, path: Path) -> EdgeRebuild:
        previous = path.with_name(path.name + ".previous")
        if path.exists():
            # Moving the folder from under the running app would lose its writes: refuse first, touching nothing.
            StoreLock(path).release()
            if previous.exists():
                # An earlier run stopped half-way: its backup is the real old index, the folder a partial new one.
                shutil.rmtree(path)
            else:
                path.rename(previous)
        return cls(previous)

    def finish(self, ok: bool) -> None:
        if ok and self.previous.exists():
            shutil.rmtree(self.previous)
