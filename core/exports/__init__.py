"""The report written out: CSV, XLSX and PDF files."""
