"""The CSRF field every state-changing form carries: ``{{ csrf_field() }}`` in a template.

Put it inside each ``<form method="post">``; the guard (``pallmall.api.guard``) refuses a page
POST without the session's token (403). Scripts send the same token in an ``X-CSRF-Token``
header, read from ``{{ csrf_token() }}``. See docs/security.md.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape

from pallmall.api.guard import CSRF_FIELD
from pallmall.api.guard import csrf_token as _token


@pass_context
def csrf_field(context: Any) -> Markup:
    """A hidden input holding this page's CSRF token."""
    value = escape(_token(context["request"]))
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{value}">')


@pass_context
def csrf_token(context: Any) -> str:
    """This page's CSRF token (for an ``X-CSRF-Token`` header)."""
    return _token(context["request"])


def install(env: Any) -> None:
    """Make ``csrf_field()`` and ``csrf_token()`` available to every template of ``env``."""
    env.globals["csrf_field"] = csrf_field
    env.globals["csrf_token"] = csrf_token
