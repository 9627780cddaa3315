"""The vocabulary every layer shares, and which imports nothing else of the project.

Values and their words: errors a member is shown, the clock, sharing levels, metrics with their units
and the built-in catalogue, dates as members write them, text cleaning and counting, the reply model
cogs return, and the handle of a post's platform messages. Storage, the runtime, the adapters, the cogs
and the composition root all build on it; tests/test_architecture.py keeps it at the bottom.
"""
