"""``macie-notify identifiers ...``: managed and custom data identifiers; test one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from macie_notify.cli import MacieGroup
from macie_notify.cli.context import AppContext
from macie_notify.cli.options import pass_app
from macie_notify.errors import UsageError


@click.group("identifiers", cls=MacieGroup)
def identifiers_group() -> None:
    """Managed and custom data identifiers: list them, test a custom one on a sample."""


@identifiers_group.command("list", short_help="Managed and custom identifiers, by category.")
@click.option("--custom", "custom_only", is_flag=True, help="Only the custom identifiers.")
@pass_app
def list_cmd(app: AppContext, custom_only: bool) -> None:
    """Every managed identifier Macie offers and the account's custom ones, with their
    category and whether the local detection engine (``scan``, local Macie) evaluates them.

    JSON: [{"kind": "managed"|"custom", "id", "name", "category", "local": bool}, ...]
    """
    from macie_notify.identifiers import list_all
    from macie_notify.render import Column, TableSpec

    rows = list_all(app.aws.client("macie2"))
    if custom_only:
        rows = [r for r in rows if r["kind"] == "custom"]
    table = TableSpec(
        columns=[
            Column("Kind", "kind"),
            Column("Name", "name"),
            Column("Category", "category"),
            Column("Local", "local"),
            Column("Id", lambda r: r["id"] if r["kind"] == "custom" else "", style="dim"),
        ],
        empty="No identifiers.",
    )
    app.render(rows, table=table)
    if app.settings.output == "table" and rows:
        local = sum(1 for r in rows if r["kind"] == "managed" and r["local"])
        managed = sum(1 for r in rows if r["kind"] == "managed")
        app.info(f"{managed} managed ({local} evaluated locally), {len(rows) - managed} custom")


@identifiers_group.command("test", short_help="Count a custom identifier's matches in a sample.")
@click.argument("name")
@click.option("--text", help="The sample text.")
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the sample from FILE (UTF-8).",
)
@click.option(
    "--offline", is_flag=True, help="Only the local detection engine: no AWS call, no limit."
)
@pass_app
def test_cmd(
    app: AppContext, name: str, text: str | None, file_: Path | None, offline: bool
) -> None:
    """Count the matches of custom identifier NAME (from the config, else from Macie) in a
    sample: with Macie's TestCustomDataIdentifier and with the local detection engine,
    and say whether they agree. --offline runs only the local engine.

    JSON: {"name", "source", "sampleChars", "macie": N|null, "local": N, "agree": bool|null}

    \b
    Examples:
      macie-notify identifiers test employee-id --text "employee id EMP-123456"
      macie-notify identifiers test employee-id --file sample.txt --offline
    """
    from macie_notify.identifiers import definition, test_in_macie, test_locally

    if (text is None) == (file_ is None):
        raise UsageError("give exactly one of --text or --file")
    sample = text if text is not None else _read(file_)
    macie2 = None if offline else app.aws.client("macie2")
    params, source = definition(app.config_or_none(), macie2, name)
    macie = None if macie2 is None else test_in_macie(macie2, params, sample)
    local = test_locally(params, sample)
    result: dict[str, Any] = {
        "name": name,
        "source": source,
        "sampleChars": len(sample),
        "macie": macie,
        "local": local,
        "agree": None if macie is None else macie == local,
    }
    app.render(result)
    if result["agree"] is False:
        app.warn(f"Macie counts {macie} matches and the local engine {local}")


def _read(path: Path | None) -> str:
    assert path is not None
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
