"""The one exception tree of the aggregator.

    AggregatorError                 anything the program expects to go wrong
     +-- ConfigError                a bad setting: names the key and the value
     +-- CatalogError               a source list (TOML, OPML) that cannot be read
     +-- FetchError                 network, HTTP status, size, timeout, refused address
     +-- ParseError                 bytes that are not a feed we can read
     |    +-- NotAFeedError         a document of another kind (HTML page, empty body)
     +-- ExtractError               a page with no recognisable article
     +-- StoreError                 the database refused or is missing something
     |    +-- NotFoundError         no such source, category or article
     |    +-- RejectedError         a value the store will not take (a bad name, a duplicate URL)
     +-- PublishError               an output could not be written

Messages name the stage and say what a person can do, e.g. "fetch: HTTP 404 for
https://example.org/feed". Stages raise; the pipeline records the message on the
source row; the CLI prints it as one line with an exit code (2 for ConfigError,
CatalogError, NotFoundError and RejectedError: the person's input; 1 for the rest);
the server maps it to a status code. Any other exception escaping is a bug.
"""

from __future__ import annotations


class AggregatorError(Exception):
    """Base of every error the aggregator raises on purpose."""

    stage = "aggregator"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.stage}: {self.message}"


class ConfigError(AggregatorError):
    """A setting in aggregator.toml, the environment or a flag is invalid."""

    stage = "config"


class CatalogError(AggregatorError):
    """A catalog file (feeds/*.toml or OPML) is unreadable or malformed."""

    stage = "catalog"


class FetchError(AggregatorError):
    """Fetching a URL failed; `reason` is the short text stored on the source."""

    stage = "fetch"

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after


class ParseError(AggregatorError):
    """A fetched document could not be parsed as a feed."""

    stage = "parse"


class NotAFeedError(ParseError):
    """The document is something else: an HTML page, an empty body, plain text."""


class ExtractError(AggregatorError):
    """An HTML page holds no recognisable article."""

    stage = "extract"


class StoreError(AggregatorError):
    """The database could not do what was asked."""

    stage = "store"


class NotFoundError(StoreError):
    """No such source, category or article."""


class RejectedError(StoreError):
    """A value given by a person that the store will not take: a bad slug or name, a URL already present."""


class PublishError(AggregatorError):
    """A feed or page could not be written."""

    stage = "publish"
