"""The test suite, laid out like the source (see CONTRIBUTING.md, "Where tests go")."""
