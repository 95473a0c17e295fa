"""The difference between two revisions of an application, section by section, for the
review page (text differences marked with <ins>/<del>)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from portal.applications.content import AREAS, DECLARATIONS
from portal.applications.keys import keyed
from portal.core.reference.sdgs import target_text

# --- the difference between two revisions ----------------------------------------------------

@dataclass
class Change:
    label: str
    before: Any
    after: Any
    long: bool = False  # long text: shown as two blocks rather than on one line


@dataclass
class SectionDiff:
    title: str
    anchor: str
    changes: list[Change] = field(default_factory=list)


def text_diff(before: str | None, after: str | None) -> tuple[Markup, Markup]:
    """Both texts with what changed marked: <del> in the old one, <ins> in the new one.

    Compared character by character: Japanese has no spaces to split words on."""
    before, after = before or "", after or ""
    old, new = [], []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old.append(escape(before[i1:i2]))
            new.append(escape(after[j1:j2]))
            continue
        if i2 > i1:
            old.append(Markup("<del>%s</del>") % before[i1:i2])
        if j2 > j1:
            new.append(Markup("<ins>%s</ins>") % after[j1:j2])
    return Markup("").join(old) or Markup("—"), Markup("").join(new) or Markup("—")


def set_diff(before, after, describe=str, separator: str = ", ") -> tuple[Markup, Markup]:
    """Two lists: the removed members marked <del> in the old one, the added ones <ins> in the new one."""
    before, after = list(before or []), list(after or [])
    old = [Markup("<del>%s</del>") % describe(x) if x not in after else escape(describe(x)) for x in before]
    new = [Markup("<ins>%s</ins>") % describe(x) if x not in before else escape(describe(x)) for x in after]
    joiner = Markup(separator)
    return joiner.join(old) or Markup("—"), joiner.join(new) or Markup("—")


def _marked(answers: dict) -> dict[str, str]:
    """The checklist's 「該当なし」 as {item id: reason} (a version without them: none)."""
    marked = answers.get("not_applicable")
    return {k: v for k, v in marked.items() if isinstance(v, str)} if isinstance(marked, dict) else {}


def _plain(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


ACTION_FIELDS = (
    ("area", _l("Area")), ("description", _l("What you will do")), ("goals", _l("Related goals")),
    ("targets", _l("Related targets")), ("indicator", _l("Indicator")), ("unit", _l("Unit")),
    ("current_value", _l("Current value")), ("target_value", _l("2030 target value")),
)


def revision_diff(old: dict, new: dict, checklist, locale: str) -> list[SectionDiff]:
    """What changed from one submitted revision to the next, section by section (only the
    sections that changed, only the fields that differ)."""
    from portal.organisations.forms import PROFILE_FIELDS, OrganisationForm

    sections = []

    profile = SectionDiff(str(_l("Organisation")), "profile")
    old_profile, new_profile = old.get("profile") or {}, new.get("profile") or {}
    for name in PROFILE_FIELDS:
        if old_profile.get(name) != new_profile.get(name):
            label = str(getattr(OrganisationForm, name).args[0])
            profile.changes.append(Change(label, _plain(old_profile.get(name)), _plain(new_profile.get(name))))
    sections.append(profile)

    vision = SectionDiff(str(_l("2030 vision")), "vision")
    if (old.get("vision") or "") != (new.get("vision") or ""):
        vision.changes.append(Change(str(_l("2030 vision")), *text_diff(old.get("vision"), new.get("vision")),
                                     long=True))
    sections.append(vision)

    # Actions are matched by their key, not their place: a renewal or a correction may move a row,
    # which is a change of order, not a rewrite of two actions.
    actions = SectionDiff(str(_l("Key actions")), "actions")
    earlier = {a["key"]: (index + 1, a) for index, a in enumerate(keyed(old.get("actions")))}
    now = keyed(new.get("actions"))
    for index, after in enumerate(now):
        number = index + 1
        if after["key"] not in earlier:
            actions.changes.append(Change(str(_l("Key action %(number)s (added)", number=number)), Markup("—"),
                                          Markup("<ins>%s</ins>") % (after.get("description") or "—")))
            continue
        old_number, before = earlier[after["key"]]
        if old_number != number:
            actions.changes.append(Change(str(_l("Key action %(number)s: place in the list", number=number)),
                                          str(old_number), str(number)))
        for name, label in ACTION_FIELDS:
            a, b = before.get(name), after.get(name)
            if a == b:
                continue
            title = str(_l("Key action %(number)s: %(field)s", number=number, field=label))
            if name == "targets":  # each with its text, one per line
                actions.changes.append(Change(title, *set_diff(
                    a, b, lambda code: f"{code} {target_text(code, locale)}", Markup("<br>"))))
            elif name == "goals":
                actions.changes.append(Change(title, *set_diff(a, b)))
            elif name == "area":
                actions.changes.append(Change(title, str(AREAS.get(a, a or "—")), str(AREAS.get(b, b or "—"))))
            elif name in ("description", "indicator"):
                actions.changes.append(Change(title, *text_diff(a, b), long=name == "description"))
            else:
                actions.changes.append(Change(title, _plain(a), _plain(b)))
    kept = {a["key"] for a in now}
    for key, (old_number, before) in earlier.items():
        if key not in kept:
            actions.changes.append(Change(str(_l("Key action %(number)s (removed)", number=old_number)),
                                          Markup("<del>%s</del>") % (before.get("description") or "—"),
                                          Markup("—")))
    sections.append(actions)

    answers = SectionDiff(str(_l("Checklist")), "checklist")
    old_list, new_list = old.get("checklist") or {}, new.get("checklist") or {}

    def item(identifier):
        try:
            return f"{identifier} {checklist.item(identifier).text(locale)}"
        except (KeyError, LookupError):
            return identifier

    for kind, label in (("basic", _l("Basic items met")), ("challenge", _l("Challenge items chosen"))):
        a, b = sorted(old_list.get(kind) or []), sorted(new_list.get(kind) or [])
        if a != b:
            answers.changes.append(Change(str(label), *set_diff(a, b, item, Markup("<br>")), long=True))
    # 「該当なし」: which items, and each reason that changed.
    old_na, new_na = _marked(old_list), _marked(new_list)
    if sorted(old_na) != sorted(new_na):
        answers.changes.append(Change(str(_l("Marked “not applicable”")),
                                      *set_diff(sorted(old_na), sorted(new_na), item, Markup("<br>")), long=True))
    for identifier in sorted(set(old_na) & set(new_na)):
        if old_na[identifier] != new_na[identifier]:
            answers.changes.append(Change(str(_l("%(item)s: reason for “not applicable”", item=identifier)),
                                          *text_diff(old_na[identifier], new_na[identifier]), long=True))
    sections.append(answers)

    declared = SectionDiff(str(_l("Declarations")), "declarations")
    old_declared, new_declared = old.get("declarations") or {}, new.get("declarations") or {}
    for key, text in DECLARATIONS.items():
        if bool(old_declared.get(key)) != bool(new_declared.get(key)):
            declared.changes.append(Change(str(text), _plain(bool(old_declared.get(key))),
                                           _plain(bool(new_declared.get(key)))))
    sections.append(declared)

    attached = SectionDiff(str(_l("Attachments")), "attachments")
    old_files = [a.get("name") for a in old.get("attachments") or []]
    new_files = [a.get("name") for a in new.get("attachments") or []]
    if old_files != new_files:
        attached.changes.append(Change(str(_l("Files")), *set_diff(old_files, new_files)))
    sections.append(attached)
    return [s for s in sections if s.changes]


# --- the actions ---------------------------------------------------------------------------
