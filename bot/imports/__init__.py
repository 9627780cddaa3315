"""Import from the files members' phones and watches export (issue 27).

The pipeline in two halves that meet at :mod:`bot.imports.records`:

* ``bot.imports.formats``: one module per file format (Apple Health, Google Fit, Fitbit, Garmin,
  plain CSV). Each reads a file it recognises *by content* and yields :class:`records.DailyValue`
  (a metric's value for one day, in a unit ``log`` understands) or :class:`records.Skipped` (a row it
  could not read, counted and shown in the preview, never guessed). Pure: no database, no chat.
* the import command (``cogs``): preview, confirm, store as one batch that ``undo`` takes back whole.
"""
