"""One module per export format; each exposes a :class:`bot.imports.records.Reader` as ``READER``."""
