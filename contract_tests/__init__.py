"""Contract tests: schemathesis over every spec, against the in-process mock or a live endpoint."""
