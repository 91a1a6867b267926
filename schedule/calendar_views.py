"""Placeholder: filled in by its issue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this module's blueprints, menu entries and CLI commands."""
