# tests/e2e: filled by its owner
