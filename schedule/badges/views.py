"""Badge pages (placeholder while the views are written)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("badges", __name__, static_folder="static", static_url_path="/badges/static")
