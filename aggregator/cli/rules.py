"""`aggregator rules ...`: put articles into more categories, or keep them out, by what they say."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from .. import store
from ..pipeline import publish_site
from .base import Context, cli, pass_ctx, table

_FIELD = click.option("--field", type=click.Choice(store.RULE_FIELDS), default="title", show_default=True,
                      help="Where to look: the title, the body text, the 来源, or the link and original link.")
_REGEX = click.option("--regex", is_flag=True, help="PATTERN is a Python regular expression (default: plain text).")
_EXCLUDE = click.option("--exclude", is_flag=True, help="Keep matching articles out of CATEGORY instead.")


def _rule(ctx: Context, category: str, pattern: str, field: str, regex: bool, exclude: bool) -> store.Rule:
    found = store.get_category(ctx.db, category)
    if found is None:
        raise click.BadParameter(f"no category '{category}' (see aggregator categories list)",
                                 param_hint="CATEGORY")
    return store.Rule(None, found.slug, pattern, field, regex, exclude)


def _apply_and_publish(ctx: Context) -> int:
    moves = store.apply_rules(ctx.db)
    if moves.added or moves.removed:
        report = publish_site(ctx.db, ctx.config, categories=moves.categories, article_ids=moves.article_ids)
        for failure in report.failed:
            click.echo(f"warning: not published: {failure}", err=True)
    return len(moves.article_ids)


@cli.group()
def rules() -> None:
    """Category rules: add articles to a category, or keep them out, by title, body, 来源 or URL.

    An article is in its source's category, plus every category whose include rule matches it,
    minus every category whose exclude rule matches. Plain patterns are substrings (Chinese
    matched character for character); --regex takes a regular expression.

    Examples:

    \b
        aggregator rules add 反腐纪实 纪委
        aggregator rules add 反腐纪实 '巡视|审查调查' --field body --regex
        aggregator rules add shizheng 【广告】 --exclude
        aggregator rules test 反腐纪实 纪委
        aggregator rules list
        aggregator rules remove 3
    """


@rules.command("add")
@click.argument("category")
@click.argument("pattern")
@_FIELD
@_REGEX
@_EXCLUDE
@pass_ctx
def rules_add(ctx: Context, category: str, pattern: str, field: str, regex: bool, exclude: bool) -> None:
    """Add a rule for CATEGORY (slug or name), apply it to the stored articles and republish.

    Example:

    \b
        aggregator rules add 反腐纪实 纪委 --field title
    """
    rule = store.add_rule(ctx.db, _rule(ctx, category, pattern, field, regex, exclude))
    moved = _apply_and_publish(ctx)
    click.echo(f"rule {rule.id}: {'keep out of' if rule.exclude else 'add to'} {rule.category} when {rule.field} "
               f"{'matches' if rule.regex else 'contains'} {rule.pattern!r}; {moved} articles moved")


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, for scripts.")
@pass_ctx
def rules_list(ctx: Context, as_json: bool) -> None:
    """List the rules.

    Example:

    \b
        aggregator rules list
    """
    found = store.list_rules(ctx.db)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in found], ensure_ascii=False, indent=2))
    elif not found:
        click.echo("no rules: aggregator rules add CATEGORY PATTERN")
    else:
        click.echo(table([[r.id, r.category, "exclude" if r.exclude else "include", r.field,
                           "regex" if r.regex else "text", r.pattern, r.origin] for r in found],
                         ["id", "category", "effect", "field", "kind", "pattern", "from"]))


@rules.command("remove")
@click.argument("rule_id", type=int)
@pass_ctx
def rules_remove(ctx: Context, rule_id: int) -> None:
    """Remove rule RULE_ID, re-place the stored articles and republish.

    Example:

    \b
        aggregator rules remove 3
    """
    store.remove_rule(ctx.db, rule_id)
    moved = _apply_and_publish(ctx)
    click.echo(f"rule {rule_id} removed; {moved} articles moved")


@rules.command("test")
@click.argument("category")
@click.argument("pattern")
@_FIELD
@_REGEX
@_EXCLUDE
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="How many of the most recently seen articles to try.")
@pass_ctx
def rules_test(ctx: Context, category: str, pattern: str, field: str, regex: bool, exclude: bool,
               limit: int) -> None:
    """Show which recent articles a rule would move (+ into, - out of a category); changes nothing.

    Example:

    \b
        aggregator rules test 反腐纪实 纪委 --limit 200
    """
    rule = store.check_rule(_rule(ctx, category, pattern, field, regex, exclude))  # validated, never stored
    articles = store.recent_articles(ctx.db, limit)
    before = store.plan_rules(ctx.db, store.rule_set(ctx.db), articles)
    after = store.plan_rules(ctx.db, store.RuleSet(store.list_rules(ctx.db) + [rule]), articles)
    titles = {a.id: a.title for a in articles}
    # What the rule itself changes: the plan with it, minus what the stored rules would do anyway.
    added = sorted(set(after.added) - set(before.added))
    removed = sorted(set(after.removed) - set(before.removed))
    for sign, moves in (("+", added), ("-", removed)):
        for article_id, slug in moves:
            click.echo(f"{sign} {slug}  {article_id}  {titles[article_id]}")
    moved = {a for a, _ in added} | {a for a, _ in removed}
    click.echo(f"{len(moved)} articles would move (of the {len(articles)} most recent)")
