"""Serve: published files over HTTP, with validators, gzip and /healthz."""

from .app import make_app, serve_forever

__all__ = ["make_app", "serve_forever"]
