"""Settings: defaults, then aggregator.toml, then AGGREGATOR_* environment variables.

Built once by the CLI and passed down; no module reads a global. Every bad value
is a ConfigError that names the key and where the value came from.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

DEFAULT_DISCLAIMER = (
    "[免责声明] 本文来源于网络转载,仅供学习交流之用,不作任何商业用途。版权归原作者所有。"
    "如涉及作品内容、版权或其他问题,请在30日内与本站联系,我们将第一时间处理。"
)

PROJECT_URL = "https://github.com/news-aggregator/aggregator"

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


MAX_DURATION = 30 * 86400  # the longest interval anything is scheduled by: 30 days


def parse_duration(text: str, *, minimum: int = 60, maximum: int = MAX_DURATION) -> int:
    """Read "90s", "30m", "2h" or "1d" as seconds; below `minimum` or above `maximum` (30 days) is refused.

    >>> parse_duration("2h")
    7200
    """
    match = _DURATION.match(str(text))
    if not match or len(match.group(1)) > 12:
        raise ValueError(f"'{text}' is not a duration like 90s, 30m, 2h or 1d")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < minimum:
        raise ValueError(f"'{text}' is shorter than the minimum of {minimum} seconds")
    if seconds > maximum:
        raise ValueError(f"'{text}' is longer than the maximum of {format_duration(maximum)}")
    return seconds


def format_duration(seconds: int) -> str:
    """Write seconds back in the largest whole unit: 7200 -> "2h"."""
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")  # listen on every address: no address to link to


def served_url(host: str, port: int) -> str:
    """The base URL of a server listening on host:port, as a browser on this machine reaches it.

    A wildcard address (0.0.0.0, ::) is no address to link to: it becomes 127.0.0.1, and
    base_url should be set for readers on other machines.
    """
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA zone this machine knows, else raise ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a known time zone (e.g. Asia/Shanghai)") from None
    return name


@dataclass(frozen=True)
class Config:
    """Every setting, with its default. Key names are the TOML and env names."""

    data_dir: Path = Path("data")
    site_name: str = "新闻聚合"
    base_url: str = ""  # empty: derived from the address actually served (config.served_url)
    timezone: str = "Asia/Shanghai"
    items_per_feed: int = 50
    full_text: str = "auto"  # fetch the article page behind teaser items: auto | always | never
    mirror_images: bool = True  # copy the images of stored bodies under public/media/
    max_image_bytes: int = 5 * 1024 * 1024
    max_article_image_bytes: int = 20 * 1024 * 1024
    admin_token: str = ""  # turns on the admin API under /api/ (Authorization: Bearer TOKEN)
    websub_hubs: tuple[str, ...] = ()  # WebSub hubs told after each publish that changed a feed
    retention_days: int = 180  # articles older than this leave the database (0: keep them all)
    items_per_fetch: int = 1000
    page_articles_per_fetch: int = 30
    page_depth: int = 3
    disclaimer: str = DEFAULT_DISCLAIMER
    allow_private_networks: bool = False
    item_link: str = "site"
    default_every: str = "30m"
    fetch_timeout: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    max_concurrency: int = 16
    per_host_limit: int = 2
    host_delay: float = 1.0
    max_backoff: str = "24h"
    max_upstream_interval: str = "6h"
    shutdown_grace: float = 10.0
    sync_interval: float = 30.0
    publish_delay: float = 5.0
    parse_workers: int = 0
    user_agent: str = f"aggregator/0.1 (+{PROJECT_URL})"
    host: str = "127.0.0.1"
    port: int = 8080
    serve_workers: int = 1  # `aggregator serve` processes answering on one socket
    log_level: str = "INFO"

    @property
    def db_path(self) -> Path:
        """The one SQLite file."""
        return self.data_dir / "aggregator.db"

    @property
    def public_dir(self) -> Path:
        """Where published feeds and pages are written and served from."""
        return self.data_dir / "public"

    @property
    def max_backoff_seconds(self) -> int:
        """The longest a failing source's next attempt may be pushed out."""
        return parse_duration(self.max_backoff)

    @property
    def max_upstream_interval_seconds(self) -> int:
        """The most an upstream's caching hints (max-age, Expires, <ttl>) may stretch an interval."""
        return parse_duration(self.max_upstream_interval)

    @property
    def default_every_seconds(self) -> int:
        """The default polling interval in seconds."""
        return parse_duration(self.default_every)

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with some values replaced (already typed), validated again."""
        return _validate(replace(self, **changes), {k: "option" for k in changes})


_KEYS = {f.name: f for f in fields(Config)}


def _coerce(key: str, raw: Any, origin: str) -> Any:
    """Turn a TOML or environment value into the type the key's default has."""
    default = _KEYS[key].default
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(default, int):
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw).strip())
        if isinstance(default, float):
            if isinstance(raw, bool):
                raise ValueError
            value = float(str(raw).strip())
            if not math.isfinite(value):  # "inf" would switch a deadline off, "nan" compares false to all
                raise ValueError
            return value
        if isinstance(default, Path):
            return Path(str(raw))
        if isinstance(default, tuple):  # a TOML list, or a comma-separated environment value
            items = raw if isinstance(raw, list) else str(raw).split(",")
            if not all(isinstance(i, str) for i in items):
                raise ValueError
            return tuple(i.strip() for i in items if i.strip())
        if not isinstance(raw, str):
            raise ValueError
        return raw
    except ValueError:
        kind = (type(default).__name__.replace("bool", "true/false").replace("int", "whole number")
                .replace("float", "finite number").replace("tuple", "list of URLs"))
        raise ConfigError(f"{key} must be a {kind}, got {raw!r} (from {origin})") from None


# Upper bounds: a value past these breaks something (memory, SQLite integers, sockets) rather than
# being a choice anyone makes.
_UPPER = {"port": 65535, "items_per_feed": 10_000, "items_per_fetch": 100_000, "page_articles_per_fetch": 1_000,
          "page_depth": 100, "retention_days": 36_500,
          "max_image_bytes": 1 << 30, "max_article_image_bytes": 1 << 32, "max_body_bytes": 1 << 30, "max_redirects": 20, "max_concurrency": 1_000,
          "per_host_limit": 100, "parse_workers": 64, "serve_workers": 64}
# Seconds settings: finite, within these ranges (fetch_timeout must also be above 0).
_SECONDS = {"fetch_timeout": (0, 3600), "host_delay": (0, 3600), "shutdown_grace": (0, 3600),
            "publish_delay": (0, 3600), "sync_interval": (0.5, 60)}


def _validate(cfg: Config, origins: Mapping[str, str]) -> Config:
    """Check ranges and formats; return the config with base_url ending in '/'."""

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{key} {why}, got {getattr(cfg, key)!r} (from {origins.get(key, 'default')})")

    if cfg.base_url:
        parts = urlsplit(cfg.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad("base_url", "must be an absolute http(s) URL")
        if not cfg.base_url.endswith("/"):
            cfg = replace(cfg, base_url=cfg.base_url + "/")
    try:
        check_timezone(cfg.timezone)
    except ValueError:
        raise bad("timezone", "must be an IANA time zone such as Asia/Shanghai") from None
    for key, low in (("items_per_feed", 1), ("items_per_fetch", 1), ("page_articles_per_fetch", 1), ("page_depth", 1), ("max_body_bytes", 1024),
                     ("max_concurrency", 1), ("per_host_limit", 1), ("parse_workers", 0), ("serve_workers", 1),
                     ("max_redirects", 0), ("port", 0), ("retention_days", 0),
                     ("max_image_bytes", 1024), ("max_article_image_bytes", 1024)):
        if getattr(cfg, key) < low:
            raise bad(key, f"must be at least {low}")
    for key, high in _UPPER.items():
        if getattr(cfg, key) > high:
            raise bad(key, f"must be at most {high}")
    for key, (low, high) in _SECONDS.items():
        value = getattr(cfg, key)
        if not (math.isfinite(value) and low <= value <= high) or (key == "fetch_timeout" and value == 0):
            raise bad(key, f"must be a number of seconds {'above' if key == 'fetch_timeout' else 'from'} "
                           f"{low:g} to {high:g}")
    for key in ("max_backoff", "max_upstream_interval"):
        try:
            parse_duration(getattr(cfg, key))
        except ValueError as exc:
            raise bad(key, f"is invalid: {exc}") from None
    for hub in cfg.websub_hubs:
        parts = urlsplit(hub)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad("websub_hubs", f"must be absolute http(s) URLs ({hub!r} is not)")
    if cfg.full_text not in ("auto", "always", "never"):
        raise bad("full_text", "must be auto, always or never")
    if cfg.item_link not in ("site", "original"):
        raise bad("item_link", "must be 'site' or 'original'")
    if cfg.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise bad("log_level", "must be DEBUG, INFO, WARNING or ERROR")
    if not cfg.site_name.strip():
        raise bad("site_name", "must not be empty")
    if not cfg.disclaimer.strip():
        raise bad("disclaimer", "must not be empty")
    try:
        parse_duration(cfg.default_every)
    except ValueError as exc:
        raise bad("default_every", f"is invalid: {exc}") from None
    return replace(cfg, log_level=cfg.log_level.upper())


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None,
                data_dir: Path | None = None) -> Config:
    """Build the settings from the defaults, a TOML file, the environment and --data-dir.

    `path` None means ./aggregator.toml when it exists. Environment variables are
    AGGREGATOR_<KEY>; an explicit data_dir (the --data-dir flag) wins over both.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if path is None and Path("aggregator.toml").is_file():
        path = Path("aggregator.toml")
    if path is not None:
        try:
            with open(path, "rb") as fh:
                table = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        for key, raw in table.items():
            if key not in _KEYS:
                raise ConfigError(f"unknown key {key!r} in {path}; known keys: {', '.join(sorted(_KEYS))}")
            values[key] = _coerce(key, raw, str(path))
            origins[key] = str(path)
    for key in _KEYS:
        name = f"AGGREGATOR_{key.upper()}"
        if name in env:
            values[key] = _coerce(key, env[name], name)
            origins[key] = name
    if data_dir is not None:
        values["data_dir"] = Path(data_dir)
        origins["data_dir"] = "--data-dir"
    return _validate(Config(**values), origins)
