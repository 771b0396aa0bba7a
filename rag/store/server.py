"""The Qdrant server backend, through qdrant-client, with the same hybrid query as Qdrant Edge."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from qdrant_client import QdrantClient, models

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


class ServerStore:
    def __init__(self, url: str, api_key: str | None, collection: str, embedding_model: str, dimension: int) -> None:
        self._keywords = Keywords()
        # Searches and writes go through `collection`, an alias of the collection that holds the passages, so a
        # re-index can build another and switch the alias in one step (ServerRebuild).
        self._collection = collection
        # location also takes ":memory:", which runs this same code in-process (used by the tests).
        self._client = QdrantClient(location=url, api_key=api_key, timeout=30)
        identity = {"embedding_model": embedding_model, "dimension": dimension}
        try:
            physical = resolve(self._client, collection)
            if physical is not None:
                recorded = self._client.get_collection(physical).config.metadata or {}
                if {k: recorded.get(k) for k in identity} != identity:
                    raise identity_mismatch(recorded, embedding_model, dimension)
            else:
                physical = f"{collection}-{uuid.uuid4().hex[:8]}"
                create_collection(self._client, physical, identity)
                self._client.update_collection_aliases(change_aliases_operations=[_create_alias(collection, physical)])
            # Searches filter on them; a collection made before workspaces (or languages) existed gets them now.
            schema = self._client.get_collection(physical).payload_schema or {}
            for field in (WORKSPACES, LANGUAGE):
                if field not in schema:
                    self._client.create_payload_index(physical, field, models.PayloadSchemaType.KEYWORD, wait=True)
        except StoreError:
            self._client.close()
            raise
        except Exception as exc:
            self._client.close()
            raise StoreError(f"Cannot use the Qdrant server at {url}: {exc}") from exc

    def _sparse(self, vector) -> models.SparseVector:  # type: ignore[no-untyped-def]
        return models.SparseVector(indices=list(vector.indices), values=list(vector.values))

    @staticmethod
    def _doc_filter(
        doc_ids: Sequence[str] | None,
        exclude: Sequence[str] | None = None,
        workspace: str | None = None,
        containing: Sequence[str] = (),
        language: str | None = None,
        other_than: str | None = None,
    ) -> models.Filter | None:
        condition = models.FieldCondition
        must = [condition(key="doc_id", match=models.MatchAny(any=list(doc_ids)))] if doc_ids else []
        if workspace is not None:
            must.append(condition(key=WORKSPACES, match=models.MatchValue(value=workspace)))
        # Without a full-text index on the text (there is none), the server matches MatchText as a substring.
        held = [condition(key="text", match=models.MatchText(text=part)) for part in containing]
        must_not = [condition(key="doc_id", match=models.MatchAny(any=list(exclude)))] if exclude else []
        if language:  # passages in this language
            must.append(condition(key=LANGUAGE, match=models.MatchAny(any=language_values(language))))
        if other_than:  # passages in another language than this one
            must_not.append(condition(key=LANGUAGE, match=models.MatchAny(any=language_values(other_than))))
        if not must and not must_not and not held:
            return None
        return models.Filter(
            must=must or None,  # type: ignore[arg-type]
            should=held or None,  # type: ignore[arg-type]
            must_not=must_not or None,  # type: ignore[arg-type]
        )

    def upsert(self, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]], workspaces: Sequence[str] = ()) -> None:
        points = [
            models.PointStruct(
                id=point_id(chunk.doc_id, chunk.chunk_index),
                vector={
                    DENSE: list(vector),
                    SPARSE: self._sparse(self._keywords.document(chunk.search_text, chunk.language)),
                },
                payload=chunk.payload() | {WORKSPACES: list(workspaces)},
            )
            for chunk, vector in zip(chunks, dense, strict=True)
        ]
        self._client.upsert(self._collection, points=points, wait=True)

    def set_workspaces(self, doc_id: str, workspaces: Sequence[str]) -> None:
        # In place: the vectors stay as they are, only the payload field changes.
        self._client.set_payload(
            self._collection, payload={WORKSPACES: list(workspaces)}, points=self._doc_filter([doc_id]), wait=True
        )

    def count_without_workspaces(self) -> int:
        empty = models.Filter(must=[models.IsEmptyCondition(is_empty=models.PayloadField(key=WORKSPACES))])
        return self._client.count(self._collection, count_filter=empty, exact=True).count

    def delete_document(self, doc_id: str) -> None:
        self._client.delete(
            self._collection, points_selector=models.FilterSelector(filter=self._doc_filter([doc_id])), wait=True
        )

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

        def nearest(where: models.Filter | None) -> models.QueryRequest:
            return models.QueryRequest(query=list(dense), using=DENSE, filter=where, limit=1, with_payload=False)

        def fused(third: models.Filter | None) -> models.QueryRequest:
            sparse = self._sparse(self._keywords.query(text, languages))
            prefetches = [
                models.Prefetch(query=list(dense), using=DENSE, limit=depth, filter=doc_filter),
                models.Prefetch(query=sparse, using=SPARSE, limit=depth, filter=doc_filter),
            ]
            if third is not None:  # the passages in other languages, by meaning, in place of words (ACROSS)
                prefetches.append(models.Prefetch(query=list(dense), using=DENSE, limit=depth, filter=third))
            return models.QueryRequest(
                prefetch=prefetches,
                query=models.FusionQuery(fusion=models.Fusion.DBSF),  # rag/store/base.py: why this fusion
                limit=limit,
                with_payload=True,
            )

        def score(result: models.QueryResponse) -> float:
            return result.points[0].score if result.points else -1.0

        if not across:
            points, best = self._client.query_batch_points(
                self._collection, requests=[fused(None), nearest(doc_filter)]
            )
            top, top_across = score(best), None
        else:
            # The best passage by meaning in the question's language and in the others decide the third list.
            own = self._doc_filter(doc_ids, exclude, workspace, language=across)
            other = self._doc_filter(doc_ids, exclude, workspace, other_than=across)
            own_best, other_best = self._client.query_batch_points(
                self._collection, requests=[nearest(own), nearest(other)]
            )
            top_own, top_across = score(own_best), score(other_best)
            third = other if searched_across(top_own, top_across) else None
            [points] = self._client.query_batch_points(self._collection, requests=[fused(third)])
            top = max(top_own, top_across)
        return SearchResult(
            hits=[Hit(Chunk.from_payload(p.payload or {}), p.score) for p in points.points],
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
        points = self._client.query_points(
            self._collection,
            query=self._sparse(sparse),
            using=SPARSE,
            query_filter=self._doc_filter(doc_ids, exclude, workspace, containing),
            limit=limit,
            with_payload=True,
        ).points
        return [Chunk.from_payload(p.payload or {}) for p in points]

    def passages(self, doc_id: str, indexes: Sequence[int]) -> list[Chunk]:
        points = self._client.retrieve(self._collection, [point_id(doc_id, i) for i in indexes], with_payload=True)
        found = {c.chunk_index: c for c in (Chunk.from_payload(p.payload or {}) for p in points)}
        return [found[i] for i in indexes if i in found]

    def count(self, doc_id: str | None = None) -> int:
        return self._client.count(
            self._collection, count_filter=self._doc_filter([doc_id] if doc_id else None), exact=True
        ).count

    def optimize(self) -> None:
        pass  # a Qdrant server optimizes in the background

    def close(self) -> None:
        self._client.close()


def resolve(client: QdrantClient, name: str) -> str | None:
    """The collection behind an alias, the collection itself if `name` is one (made before aliases), or None."""
    for alias in client.get_aliases().aliases:
        if alias.alias_name == name:
            return alias.collection_name
    return name if client.collection_exists(name) else None


def recorded_identity(url: str, api_key: str | None, collection: str) -> dict | None:
    """What the collection behind `collection` records of its embedding model; None if there is none (or no server:
    opening the store then says so)."""
    try:
        client = QdrantClient(location=url, api_key=api_key, timeout=30)
    except Exception:  # noqa: BLE001 - a wrong URL: ServerStore reports it in words
        return None
    try:
        physical = resolve(client, collection)
        return None if physical is None else dict(client.get_collection(physical).config.metadata or {})
    except Exception:  # noqa: BLE001 - unreachable or refused: ServerStore reports it in words
        return None
    finally:
        client.close()


def create_collection(client: QdrantClient, name: str, identity: dict[str, object]) -> None:
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=int(identity["dimension"]), distance=models.Distance.COSINE)},  # type: ignore[call-overload]
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        metadata=identity,
    )
    for field in ("doc_id", WORKSPACES, LANGUAGE):
        client.create_payload_index(name, field, models.PayloadSchemaType.KEYWORD, wait=True)


def _create_alias(alias: str, collection: str) -> models.CreateAliasOperation:
    return models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=collection, alias_name=alias))


def _delete_alias(alias: str) -> models.DeleteAliasOperation:
    return models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias))


class ServerRebuild:
    """A re-index on a Qdrant server builds a new collection behind the alias `<collection>-rebuild` while chat
    goes on answering from the live one; `finish(True)` points `<collection>` at the new one in a single alias
    update (atomic on the server), then deletes the old. `finish(False)` deletes the new one instead."""

    def __init__(self, client: QdrantClient, collection: str) -> None:
        self._client = client
        self.collection = collection
        self.target = f"{collection}-rebuild"

    @classmethod
    def begin(cls, url: str, api_key: str | None, collection: str) -> ServerRebuild:
        rebuild = cls(QdrantClient(location=url, api_key=api_key, timeout=30), collection)
        rebuild._drop(rebuild.target)  # an earlier run stopped half-way: its partial collection goes
        return rebuild

    def _drop(self, alias: str) -> None:
        physical = resolve(self._client, alias)
        if physical is None:
            return
        if physical != alias:
            self._client.update_collection_aliases(change_aliases_operations=[_delete_alias(alias)])
        self._client.delete_collection(physical)

    def finish(self, ok: bool) -> None:
        try:
            if not ok:
                self._drop(self.target)
                return
            new, old = resolve(self._client, self.target), resolve(self._client, self.collection)
            if new is None:
                return
            if old == self.collection:
                # Made before aliases: a collection cannot share its name with an alias, so it goes first, and
                # for that moment searches find nothing. Every later re-index switches in one step.
                self._client.delete_collection(old)
                old = None
            operations: list = [_delete_alias(self.target), _create_alias(self.collection, new)]
            if old is not None:
                operations.insert(0, _delete_alias(self.collection))
            self._client.update_collection_aliases(change_aliases_operations=operations)
            if old is not None:
                self._client.delete_collection(old)
        finally:
            self._client.close()
