"""`flask report kpi --format json|csv|pdf [--as-of YYYY-MM-DD] [--output FILE]`.

JSON is exactly CONTRACT.md's KPI JSON (its keys, in its order); CSV and PDF are the files the
report page offers for download, byte for byte the same kind (Japanese unless --lang en).
Written to stdout when there is no --output (the PDF as bytes).
"""
from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.core.i18n import LOCALES, today_jst

report = AppGroup("report", help="Reports.")


@report.command("kpi")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "pdf"]), default="json", show_default=True,
              help="What to write.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count the registrations active on this day (YYYY-MM-DD); default: today (JST).")
@click.option("--target-year", type=click.IntRange(2000, 2100), default=None,
              help="Measure against this fiscal year's target instead of the report date's.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of stdout.")
@click.option("--lang", type=click.Choice(LOCALES), default="ja", show_default=True,
              help="Language of the CSV's headers and names (the PDF is always Japanese).")
def kpi(fmt: str, as_of, target_year: int | None, output: str | None, lang: str):
    """The city KPI report: registered entities inside Kumamoto City against the target."""
    from portal.kpi.report import contract_json, kpi_report
    from portal.kpi.targets import KpiError, error_text

    day: date = as_of.date() if as_of else today_jst()
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise click.BadParameter("give a date between 2000-01-01 and 2100-12-31", param_hint="'--as-of'")
    with force_locale(lang):
        try:
            data = kpi_report(day, target_year)
        except KpiError as error:
            raise click.BadParameter(error_text(error), param_hint="'--target-year'") from None
        content = _render(fmt, data, contract_json)
    if output:
        with open(output, "wb") as file:
            file.write(content)
        click.echo(f"KPI report ({fmt}, as of {data['as_of']}) written to {output}", err=True)
    else:
        click.echo(content, nl=False)  # bytes go to the binary stdout as they are


def _render(fmt: str, data: dict, contract_json) -> bytes:
    if fmt == "json":
        return (json.dumps(contract_json(data), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "pdf":
        from portal.kpi.documents import kpi_pdf

        return kpi_pdf(data)
    from portal.core.exports import export_response
    from portal.kpi import presentation

    # The download's own writer (BOM, CRLF, formula guard): the body of the response it makes.
    return export_response(presentation.filename_stem(data), presentation.export_columns(),
                           presentation.export_rows(data), "csv").get_data()
