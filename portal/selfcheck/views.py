"""/self-check: anyone works through the checklist page by page, sees whether the answers would
meet the registration rule and prints the result. Answers stay in the session (see answers.py)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l

from portal.applications.checklist import BASIC, CHALLENGE, Category, Checklist
from portal.applications.forms import checklist_form, offered_not_applicable
from portal.core.i18n import current_locale
from portal.core.permissions import public
from portal.core.security import form_view
from portal.selfcheck import answers as session_answers
from portal.selfcheck.documents import result_pdf

bp = Blueprint("selfcheck", __name__, url_prefix="/self-check")

KIND_TITLES = {BASIC: _l("Basic items"), CHALLENGE: _l("Challenge items")}


@dataclass(frozen=True)
class Page:
    """One page of the self-check: the items of one kind in a few categories."""

    number: int
    kind: str
    categories: tuple[Category, ...]

    def items(self, checklist: Checklist):
        return tuple(item for category in self.categories for item in checklist.items_in(category.id, self.kind))

    def asks_kind(self, checklist: Checklist) -> bool:
        """A page with items that may be 「該当なし」 asks the kind of organisation (it decides which)."""
        return any(item.not_applicable is not None for item in self.items(checklist))


def pages(checklist: Checklist) -> tuple[Page, ...]:
    """Basic items first, then challenge items, each split into two pages of categories so a
    page stays short enough to read on a phone."""
    half = (len(checklist.categories) + 1) // 2
    groups = [checklist.categories[:half], checklist.categories[half:]]
    groups = [group for group in groups if group]
    kinds = [(kind, group) for kind in (BASIC, CHALLENGE) for group in groups]
    return tuple(Page(number, kind, group) for number, (kind, group) in enumerate(kinds, start=1))


def _counts(checklist: Checklist, answers, page: Page | None = None) -> dict:
    """The live rule: basic items met of all, challenge items chosen of the minimum. On a page,
    also how many ticks lie on other pages, so the script can add this page's boxes to them."""
    evaluation = answers.evaluate(checklist)
    counts = {"evaluation": evaluation, "basic_elsewhere": evaluation.basic_met,
              "challenge_elsewhere": evaluation.challenge_chosen}
    if page is not None:
        on_page = {item.id for item in page.items(checklist)}
        met = {item.id for item in checklist.basic} - {item.id for item in evaluation.missing_basic}
        counts["basic_elsewhere"] = len(met - on_page)  # an accepted 該当なし counts as met
        counts["challenge_elsewhere"] = len(answers.challenge - on_page)
    return counts


@bp.get("")
@public
def index():
    checklist = session_answers.current_checklist()
    answers = session_answers.load(checklist)
    return render_template("selfcheck/index.html", checklist=checklist, pages=pages(checklist),
                           started=not answers.empty, kind_titles=KIND_TITLES,
                           **_counts(checklist, answers))


@bp.route("/<int:number>", methods=["GET", "POST"])
@form_view
@public
def page(number: int):
    checklist = session_answers.current_checklist()
    all_pages = pages(checklist)
    if not 1 <= number <= len(all_pages):
        abort(404)
    this = all_pages[number - 1]
    answers = session_answers.load(checklist)
    asks_kind = this.asks_kind(checklist)
    form = checklist_form(checklist, {BASIC: sorted(answers.basic), CHALLENGE: sorted(answers.challenge),
                                      "not_applicable": answers.not_applicable, "kind": answers.kind},
                          formdata=request.form if request.method == "POST" else None, ask_kind=True)
    if request.method == "POST" and form.validate_on_submit():
        # Only this page's boxes were on the form: replace their answers, keep the others'.
        for item in this.items(checklist):
            chosen = answers.of(item.kind)
            if form[f"{item.kind}_{item.id}"].data:
                chosen.add(item.id)
            else:
                chosen.discard(item.id)
            if form[f"na_{item.id}"].data:
                answers.not_applicable[item.id] = form[f"na_reason_{item.id}"].data or ""
            else:
                answers.not_applicable.pop(item.id, None)
        if asks_kind:
            answers.kind = form.applicant_kind.data or None
        session_answers.store(answers)
        if request.form.get("go") == "back":
            return redirect(url_for("selfcheck.page", number=number - 1) if number > 1 else url_for("selfcheck.index"))
        if number < len(all_pages):
            return redirect(url_for("selfcheck.page", number=number + 1))
        return redirect(url_for("selfcheck.result"))
    on_page = {item.id for item in this.items(checklist)}
    return render_template("selfcheck/page.html", checklist=checklist, page=this, pages=all_pages, form=form,
                           kind_titles=KIND_TITLES, asks_kind=asks_kind,
                           offered=offered_not_applicable(form, checklist, any_kind=True) & on_page,
                           **_counts(checklist, answers, this)), form.status_code


def _result_data(checklist: Checklist, answers) -> dict:
    evaluation = answers.evaluate(checklist)
    chosen = [item for item in checklist.challenge if item.id in answers.challenge]
    page_of = {item.id: p.number for p in pages(checklist) for item in p.items(checklist)}
    return {"checklist": checklist, "evaluation": evaluation, "chosen": chosen, "page_of": page_of,
            "kind": answers.kind, "locale": current_locale()}


@bp.get("/result")
@public
def result():
    checklist = session_answers.current_checklist()
    answers = session_answers.load(checklist)
    return render_template("selfcheck/result.html", pages=pages(checklist), **_result_data(checklist, answers))


@bp.get("/result.pdf")
@public
def result_download():
    checklist = session_answers.current_checklist()
    answers = session_answers.load(checklist)
    pdf = result_pdf(_result_data(checklist, answers))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name="self-check.pdf")


@bp.post("/clear")
@public
def clear():
    session_answers.clear()
    return redirect(url_for("selfcheck.index"))
