"""「該当なし」 in words: the hint beside the choice and why one is refused — one wording for the
application's checklist step, the self-check, the confirmation and review pages and the PDFs.
The rule itself is the checklist's (checklist.refusal_code)."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.applications.checklist import (APPLICANT_KINDS, KIND_UNKNOWN, NOT_THIS_ITEM, NOT_THIS_KIND,
                                           REASON_MAX, REASON_MISSING, ChecklistItem)
from portal.core.japanese import is_japanese_locale

KIND_NAMES = {
    "corporation": _l("corporations"),
    "group": _l("groups"),
    "sole_proprietor": _l("sole proprietors"),
}

REFUSALS = {
    NOT_THIS_ITEM: _l("%(id)s: this item cannot be marked “not applicable”."),
    NOT_THIS_KIND: _l("%(id)s: only %(kinds)s can mark this item “not applicable”."),
    KIND_UNKNOWN: _l("%(id)s: choose the kind of your organisation to mark this item “not applicable”."),
    REASON_MISSING: _l("%(id)s: give a short reason why this item does not apply."),
}
BOTH = _l("%(id)s: tick either “met” or “not applicable”, not both.")
TOO_LONG = _l("%(id)s: the reason can be at most %(max)s characters.")
KIND_NEEDED = _l("Choose the kind of your organisation: which items may be “not applicable” depends on it.")


def _japanese() -> bool:
    return is_japanese_locale(str(get_locale() or ""))


def kinds_text(kinds: Iterable[str]) -> str:
    """「個人事業主・団体」 / "sole proprietors and groups", in the checklist's order of kinds."""
    names = [str(KIND_NAMES[kind]) for kind in APPLICANT_KINDS if kind in set(kinds)]
    if _japanese():
        return "・".join(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def refusal_text(item: ChecklistItem, code: str) -> str:
    """Why the 該当なし on `item` is not accepted, naming the item."""
    kinds = kinds_text(item.not_applicable.kinds) if item.not_applicable else ""
    return str(REFUSALS[code] % {"id": item.id, "kinds": kinds})


def too_long_text(item: ChecklistItem) -> str:
    return str(TOO_LONG % {"id": item.id, "max": REASON_MAX})


def both_text(item: ChecklistItem) -> str:
    return str(BOTH % {"id": item.id})


def hint(item: ChecklistItem, with_kinds: bool = True) -> str:
    """When the item may be 「該当なし」 (and for whom, unless `with_kinds` is off because the
    applicant's kind is known), and whether a reason is required."""
    rule = item.not_applicable
    if rule is None:
        return ""
    when = rule.when("ja" if _japanese() else "en")
    if with_kinds and not rule.for_every_kind:
        text = _("“Not applicable” is possible %(when)s (%(kinds)s only).", when=when, kinds=kinds_text(rule.kinds))
    else:
        text = _("“Not applicable” is possible %(when)s.", when=when)
    if rule.reason_required:
        text += ("" if _japanese() else " ") + _("A short reason is required.")
    return text
