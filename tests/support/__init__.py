"""Helpers the tests import: the console transcript harness, the PostgreSQL test server, the inference adversary."""
