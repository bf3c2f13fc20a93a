"""Pipeline: the only package spanning the stages (fetch -> parse -> normalize -> store)."""

from .cycle import CycleReport, run_cycle
from .refresh import Refresher, SourceOutcome, make_executor, redact
from .work import canary, parse_and_normalize

__all__ = ["CycleReport", "run_cycle", "Refresher", "SourceOutcome", "make_executor", "redact", "canary",
           "parse_and_normalize"]
