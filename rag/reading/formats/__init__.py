"""Files other than PDFs, read natively into the units a person names: slides, a sheet's rows, a document's
sections, an e-mail's parts. rag/reading/files.py chooses between them and the PDF reader."""
