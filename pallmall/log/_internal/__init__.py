"""Helpers of :mod:`pallmall.log` that are not public API."""
