"""Serve: published files over HTTP, with validators, gzip and /healthz."""

from .app import bind, make_app, serve_forever, start_server

__all__ = ["bind", "make_app", "serve_forever", "start_server"]
