"""SQLite, the embedded default backend: one file, WAL, group-committed writes."""
