# tests/http: filled by its owner
