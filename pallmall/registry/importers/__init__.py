"""Readers of registry sources. Each turns a file into an :class:`ImportBatch`, changing nothing."""
