"""Forum Desk's home package: the app factory, database, auth, people and accreditation."""

from .app import create_app

__all__ = ["create_app"]
