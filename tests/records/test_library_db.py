"""The library's records on both databases DocChat supports: SQLite and a real PostgreSQL."""

from sqlalchemy import inspect, select

from rag.config import Settings
from rag.database.tables import Document
from rag.indexing.ingest import ingest_bytes
from rag.records.library import delete_document, list_documents
from rag.usecases.startup import open_services
from tests.pdfs import make_pdf


def test_library_records_on_each_database(db_url, tmp_path, embedding):
    settings = Settings(_env_file=None, storage_dir=tmp_path / "storage", database_url=db_url)
    services = open_services(settings, embedding)
    try:
        assert services.engine.dialect.name == ("sqlite" if db_url.startswith("sqlite") else "postgresql")
        assert "documents" in inspect(services.engine).get_table_names()
        first = ingest_bytes(
            services, make_pdf([["Ünïcödé tëxt about owls."], ["Owls hunt at night."]]), "Eulen – Bericht.pdf"
        )
        second = ingest_bytes(services, make_pdf([["Badgers dig setts."]]), "badgers.pdf")
        assert ingest_bytes(services, make_pdf([["Badgers dig setts."]]), "again.pdf").status == "duplicate"

        assert [d.filename for d in list_documents(services)] == ["badgers.pdf", "Eulen – Bericht.pdf"]
        delete_document(services, second.doc_id)
        with services.sessions() as session:
            rows = session.execute(select(Document.doc_id, Document.filename, Document.pages, Document.status)).all()
        assert rows == [(first.doc_id, "Eulen – Bericht.pdf", 2, "indexed")]
    finally:
        services.close()
