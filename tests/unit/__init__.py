"""Unit tests: no database, no network, in-memory fakes."""
