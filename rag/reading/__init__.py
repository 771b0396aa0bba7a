"""Reading a PDF: checks, the text layer in a guarded child process, OCR of scanned pages, page pictures."""
