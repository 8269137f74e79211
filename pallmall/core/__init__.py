"""Shared kernel: errors, settings, identities, audit records. Imports nothing of pallmall."""
