"""What an application contains (DESIGN.md "Application content"), its steps, and what is
still missing before it can be submitted."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.applications.checklist import REASON_MISSING, Checklist
from portal.applications.not_applicable import refusal_text
from portal.core import japanese
from portal.core.forms import GOVERNMENT_NUMBER_MESSAGE

AREAS = {
    "economy": _l("Economy"),
    "society": _l("Society"),
    "environment": _l("Environment"),
}

# The four requirements of the system, and publication in the public directory (a registrant is
# listed for as long as it is registered; one that wants off the register withdraws, 辞退).
DECLARATIONS = {
    "vision_and_actions": _l("Our 2030 vision and key actions cover the economy, society and the environment, "
                             "and are tied to the SDGs' 17 goals and 169 targets."),
    "no_unpaid_taxes": _l("We have no unpaid national or local taxes."),
    "no_organised_crime": _l("We are not an organised crime group, a member of one or closely associated with "
                             "one (Kumamoto Prefecture Ordinance on the Elimination of Organised Crime, art. 2)."),
    "lawful_conduct": _l("We have done nothing against public order and morals and have no serious violation "
                         "of laws or regulations."),
    # What the public directory and open data show, and no more (portal.directory.queries):
    # the municipality, never the street address (a sole proprietor's is often a home).
    "public_listing": _l("We agree that, for as long as we are registered, our name and its reading, "
                         "municipality (not the street address), industry, 2030 vision, key actions with "
                         "their goals and targets, and registration number, cohort and term are published "
                         "in the public directory and as open data."),
}


def goals_of(content: dict) -> list[int]:
    """The SDG goals (1–17) of an application's key actions, ascending, each once."""
    found = set()
    for action in content.get("actions") or []:
        for goal in action.get("goals") or []:
            if str(goal).isdigit() and 1 <= int(goal) <= 17:
                found.add(int(goal))
    return sorted(found)


@dataclass(frozen=True)
class Step:
    id: str
    title: Any  # a lazy string


STEPS = (
    Step("profile", _l("Organisation")),
    Step("vision", _l("2030 vision")),
    Step("actions", _l("Key actions")),
    Step("checklist", _l("Checklist")),
    Step("report", _l("Results of the last term")),
    Step("declarations", _l("Declarations")),
    Step("partners", _l("Supporting institutions")),
    Step("attachments", _l("Attachments")),
    Step("confirm", _l("Check and submit")),
)


def steps_for(kind: str) -> tuple[Step, ...]:
    """The steps of an application of `kind`; only renewals report on the last term."""
    return tuple(step for step in STEPS if step.id != "report" or kind == "renewal")


@dataclass(frozen=True)
class Missing:
    step: str
    anchor: str  # the id of the field on that step's page
    message: str


PROFILE_REQUIRED = {
    "name": _l("Name of the organisation"),
    "name_kana": _l("Name in katakana"),
    "representative_title": _l("Representative's title"),
    "representative_name": _l("Representative's name"),
    "postal_code": _l("Postal code"),
    "address": _l("Address"),
    "industry": _l("Industry (Japan Standard Industrial Classification)"),
    "contact_name": _l("Contact person's name"),
    "contact_phone": _l("Phone"),
    "contact_email": _l("Contact e-mail address"),
}


def missing_items(content: dict, profile: dict, checklist: Checklist, kind: str, attachments: int = 0) -> list[Missing]:
    """Everything that stops submission, in step order, each pointing at its field."""
    found: list[Missing] = []
    for field, label in PROFILE_REQUIRED.items():
        if not profile.get(field):
            found.append(Missing("profile", field, str(_l("%(field)s is not filled in.", field=label))))
    if not profile.get("in_prefecture", True):
        found.append(Missing("profile", "address", str(_l("The office must be in Kumamoto Prefecture."))))
    if profile.get("corporate_number") and japanese.is_government_body(profile["corporate_number"]):
        found.append(Missing("profile", "corporate_number", str(GOVERNMENT_NUMBER_MESSAGE)))

    if not (content.get("vision") or "").strip():
        found.append(Missing("vision", "vision", str(_l("The 2030 vision is not written yet."))))

    actions = content.get("actions") or []
    for area, title in AREAS.items():
        if not any(a.get("area") == area for a in actions):
            found.append(Missing("actions", "actions", str(_l("Add at least one key action for %(area)s.", area=title))))
    for index, action in enumerate(actions):
        number = index + 1
        for field, label in (("description", _l("description")), ("indicator", _l("indicator")),
                             ("target_value", _l("2030 target value"))):
            if action.get(field) in (None, ""):
                found.append(Missing("actions", f"actions-{index}-{field}",
                                     str(_l("Key action %(number)s: the %(field)s is missing.", number=number, field=label))))
        if not action.get("goals"):
            found.append(Missing("actions", f"actions-{index}-goals",
                                 str(_l("Key action %(number)s: choose at least one goal.", number=number))))

    # The applicant's kind decides which items may be 「該当なし」 (the profile step may change it
    # after the checklist was saved: the refusal is then listed here).
    evaluation = checklist.evaluate_answers(content.get("checklist") or {}, profile.get("kind"))
    if evaluation.missing_unexplained:
        # One line for all of them (an empty checklist would otherwise list 25).
        ids = [item.id for item in evaluation.missing_unexplained]
        found.append(Missing("checklist", f"basic_{ids[0]}", str(_l(
            "Every basic item must be met; not yet: %(ids)s.", ids=", ".join(ids)))))
    for refusal in evaluation.refused:
        anchor = f"na_reason_{refusal.item.id}" if refusal.code == REASON_MISSING else f"na_{refusal.item.id}"
        found.append(Missing("checklist", anchor, refusal_text(refusal.item, refusal.code)))
    if evaluation.challenge_chosen < evaluation.challenge_minimum:
        found.append(Missing("checklist", "challenge", str(_l(
            "Choose at least %(minimum)s challenge items (%(chosen)s chosen).",
            minimum=evaluation.challenge_minimum, chosen=evaluation.challenge_chosen))))

    if kind == "renewal":
        from portal.applications.renewal import is_action

        answers = {r.get("id"): r for r in content.get("report") or []}
        actions = 0
        for commitment in content.get("commitments") or []:
            answer = answers.get(commitment["id"]) or {}
            if is_action(commitment):
                actions += 1
            if answer.get("achieved") not in (True, False):
                found.append(Missing("report", f"achieved_{commitment['id']}", str(_l(
                    "Say whether “%(label)s” was achieved.", label=commitment["label"]))))
            elif answer["achieved"] is False and is_action(commitment) and not (answer.get("comment") or "").strip():
                found.append(Missing("report", f"comment_{commitment['id']}", str(_l(
                    "Key action %(number)s was not achieved: say briefly why.", number=actions))))

    declarations = content.get("declarations") or {}
    for key, text in DECLARATIONS.items():
        if not declarations.get(key):
            found.append(Missing("declarations", key, str(_l("Declaration not confirmed: %(text)s", text=text))))

    partners = content.get("partners") or {}
    if partners.get("institutions") and not partners.get("consent"):
        found.append(Missing("partners", "consent", str(_l(
            "To choose supporting institutions, consent to sharing the application with them."))))
    return found
