"""Login throttling with Flask-Limiter.

Failed logins are counted twice: per (account, address) and per address. A stranger who
knows a focal point's e-mail can only use up the attempts of their own address for that
account; the focal point, logging in from elsewhere, is not locked out. The per-address
count stops one address trying many accounts.

Counts live in ``RATELIMIT_STORAGE_URI`` (default: ``REDIS_URL`` when set, so every worker
shares them, else process memory).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter, RequestLimit


def client_address() -> str:
    return request.remote_addr or "unknown"


def _account_and_address() -> str:
    email = (request.form.get("email") or "").strip().lower()[:320]
    return f"{email}|{client_address()}"


def _failed(response: Any) -> bool:
    """Only a refused password counts, never a successful login or a bad form."""
    return response.status_code == 401


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)


def _per_account() -> str:
    c = current_app.config
    return f"{c['LOGIN_MAX_FAILURES']} per {c['LOGIN_WINDOW_MINUTES']} minutes"


def _per_address() -> str:
    c = current_app.config
    return f"{c['LOGIN_MAX_FAILURES_PER_ADDRESS']} per {c['LOGIN_WINDOW_MINUTES']} minutes"


def login_limits(breached: Callable[[str], Any]) -> Callable[[Any], Any]:
    """Decorate the login POST view with both limits; ``breached("account"|"address")``
    returns the response that explains which one was hit."""

    def on_account(_limit: RequestLimit) -> Any:
        return breached("account")

    def on_address(_limit: RequestLimit) -> Any:
        return breached("address")

    def decorate(view: Any) -> Any:
        view = limiter.limit(_per_account, key_func=_account_and_address, deduct_when=_failed,
                             scope="login-account", on_breach=on_account)(view)
        return limiter.limit(_per_address, key_func=client_address, deduct_when=_failed,
                             scope="login-address", on_breach=on_address)(view)

    return decorate


def init_app(app: Flask) -> None:
    app.config.setdefault("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "forum-desk")
    limiter.init_app(app)
