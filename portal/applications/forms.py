"""The forms of the application steps, and how each reads from and writes to the draft."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectChoice,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from portal.applications import not_applicable
from portal.applications.checklist import KIND_UNKNOWN, REASON_MAX, REASON_MISSING, refusal_code
from portal.applications.content import AREAS, DECLARATIONS
from portal.core.forms import NumberField, PortalForm, RequiredToSubmit
from portal.core.reference.sdgs import GOALS, TARGETS
from portal.organisations.models import OrganisationKind

MAX_ACTIONS = 30


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes (each with its own label), not a list box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VisionForm(PortalForm):
    vision = TextAreaField(_l("Our organisation in 2030"), validators=[RequiredToSubmit(), Length(max=2000)],
                           description=_l("What the organisation wants to be in 2030, in a few sentences "
                                          "(up to 2,000 characters)."),
                           render_kw={"rows": 8})


class ActionForm(Form):
    """One 重点的な取組 (a subform: the page's form carries the CSRF token). `key` is the
    action's stable identity, carried through the form; the save checks it (keys.assign_keys)."""

    key = HiddenField()
    area = SelectField(_l("Area"), choices=[SelectChoice(k, v) for k, v in AREAS.items()], validators=[DataRequired()])
    description = TextAreaField(_l("What you will do"), validators=[RequiredToSubmit(), Length(max=1000)],
                                render_kw={"rows": 4})
    goals = CheckboxesField(_l("Related goals"), coerce=int, validators=[RequiredToSubmit()],
                            choices=[SelectChoice(g.number, str(g.number)) for g in GOALS])
    targets = CheckboxesField(_l("Related targets"),
                              choices=[SelectChoice(t, t) for g in GOALS for t in g.targets])
    indicator = StringField(_l("Indicator"), validators=[RequiredToSubmit(), Length(max=200)],
                            description=_l("How progress is measured, e.g. CO₂ emissions (t per year)."))
    unit = StringField(_l("Unit"), validators=[Length(max=30)], description=_l("e.g. t, %, people"))
    current_value = NumberField(_l("Current value"), places=None, validators=[
        Optional(), NumberRange(min=Decimal("-1e12"), max=Decimal("1e12"))], render_kw={"inputmode": "decimal"})
    target_value = NumberField(_l("2030 target value"), places=None, validators=[
        RequiredToSubmit(), Optional(), NumberRange(min=Decimal("-1e12"), max=Decimal("1e12"))], render_kw={"inputmode": "decimal"})


class ActionsForm(PortalForm):
    actions = FieldList(FormField(ActionForm), min_entries=0, max_entries=MAX_ACTIONS)


def actions_to_content(form: ActionsForm) -> list[dict]:
    """The key actions as stored: numbers as exact strings, goals implied by chosen targets."""
    stored = []
    for entry in form.actions:
        data = entry.form.data
        targets = sorted({t for t in data["targets"] if t in TARGETS}, key=_target_order)
        goals = sorted(set(data["goals"]) | {int(t.split(".")[0]) for t in targets})
        stored.append({
            **({"key": data["key"]} if data.get("key") else {}),
            "area": data["area"], "description": data["description"] or "", "goals": goals, "targets": targets,
            "indicator": data["indicator"] or "", "unit": data["unit"] or "",
            "current_value": _number(data["current_value"]), "target_value": _number(data["target_value"]),
        })
    return stored


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _target_order(target: str) -> tuple:
    goal, _, part = target.partition(".")
    return (int(goal), (0, int(part)) if part.isdigit() else (1, part))


def checklist_form(checklist, answers: dict | None = None, formdata=None, applicant_kind: str | None = None,
                   ask_kind: bool = False) -> PortalForm:
    """A form with one checkbox per checklist item of the cohort's version, and for each item a
    「該当なし」 checkbox with its reason (a page shows those its checklist offers: see
    `offered_not_applicable`). The 該当なし are checked against the rule for `applicant_kind`
    (or, with `ask_kind`, the kind chosen on the form itself: the self-check asks it), each
    refusal said on its item; a refused form is not saved."""

    class ChecklistForm(PortalForm):
        def validate(self, extra_validators=None) -> bool:
            valid = super().validate(extra_validators)
            kind = (self.applicant_kind.data or None) if ask_kind else applicant_kind
            for item in checklist.items:
                if not _not_applicable_ok(self, item, kind):
                    valid = False
            if ask_kind and kind is None and any(self[f"na_{item.id}"].data for item in checklist.items):
                self.applicant_kind.errors = [*self.applicant_kind.errors, str(not_applicable.KIND_NEEDED)]
            return valid

    for item in checklist.items:
        prefix = "basic" if item.is_basic else "challenge"
        setattr(ChecklistForm, f"{prefix}_{item.id}", BooleanField(item.id))
        setattr(ChecklistForm, f"na_{item.id}", BooleanField(_l("Not applicable")))
        setattr(ChecklistForm, f"na_reason_{item.id}", StringField(
            _l("Why it does not apply"), render_kw={"maxlength": REASON_MAX, "autocomplete": "off"}))
    if ask_kind:
        ChecklistForm.applicant_kind = RadioField(
            _l("Kind of organisation"), validators=[Optional()],
            choices=[SelectChoice(kind.value, kind.title) for kind in OrganisationKind])
    answers = answers or {}
    data = {f"basic_{i}": True for i in answers.get("basic", [])}
    data.update({f"challenge_{i}": True for i in answers.get("challenge", [])})
    for item_id, reason in (answers.get("not_applicable") or {}).items():
        data[f"na_{item_id}"] = True
        data[f"na_reason_{item_id}"] = reason
    if ask_kind:
        data["applicant_kind"] = answers.get("kind")
    return ChecklistForm(formdata=formdata, data=data)


def _not_applicable_ok(form, item, kind: str | None) -> bool:
    """Check one item's 該当なし on the form; a refusal goes on the item's 該当なし box or reason."""
    marked, reason = form[f"na_{item.id}"], form[f"na_reason_{item.id}"]
    if not marked.data:
        return True
    met = form[f"{'basic' if item.is_basic else 'challenge'}_{item.id}"]
    if met.data:
        marked.errors = [*marked.errors, not_applicable.both_text(item)]
        return False
    code = refusal_code(item, kind, reason.data or "")
    if code == REASON_MISSING:
        reason.errors = [*reason.errors, not_applicable.refusal_text(item, code)]
        return False
    if code == KIND_UNKNOWN:
        return False  # said once, on the question of the kind
    if code is not None:
        marked.errors = [*marked.errors, not_applicable.refusal_text(item, code)]
        return False
    if len(reason.data or "") > REASON_MAX:
        reason.errors = [*reason.errors, not_applicable.too_long_text(item)]
        return False
    return True


def show_refusals(form, evaluation) -> None:
    """Put the refusals of saved answers (the applicant's kind changed since, say) on their
    items, as a refused save would: a page that only shows them is still told why."""
    for refusal in evaluation.refused:
        name = f"na_reason_{refusal.item.id}" if refusal.code == REASON_MISSING else f"na_{refusal.item.id}"
        form[name].errors = [*form[name].errors, not_applicable.refusal_text(refusal.item, refusal.code)]


def offered_not_applicable(form, checklist, applicant_kind: str | None = None, any_kind: bool = False) -> set[str]:
    """The items whose 「該当なし」 choice a page shows: those the checklist allows for the
    applicant's kind (or, with `any_kind`, for any kind: the self-check, where the kind is
    chosen on the page), and any already marked or refused, so that it can be undone."""
    offered = set()
    for item in checklist.items:
        allowed = item.not_applicable is not None if any_kind else item.allows_not_applicable(applicant_kind)
        marked = form[f"na_{item.id}"]
        if allowed or marked.data or marked.errors:
            offered.add(item.id)
    return offered


def checklist_to_content(form, checklist) -> dict:
    content = {
        "version": checklist.version,
        "basic": [i.id for i in checklist.basic if form[f"basic_{i.id}"].data],
        "challenge": [i.id for i in checklist.challenge if form[f"challenge_{i.id}"].data],
    }
    marked = {i.id: (form[f"na_reason_{i.id}"].data or "").strip() for i in checklist.items if form[f"na_{i.id}"].data}
    if marked:  # (a version without 該当なし keeps the shape it always had)
        content["not_applicable"] = marked
    return content


class DeclarationsForm(PortalForm):
    pass


for _key, _text in DECLARATIONS.items():
    setattr(DeclarationsForm, _key, BooleanField(_text))


class PartnersForm(PortalForm):
    institutions = CheckboxesField(_l("Supporting institutions"), coerce=int, choices=[])
    consent = BooleanField(_l("We consent to sharing our application and registration with the institutions "
                              "chosen above. We can withdraw this consent at any time."))


class _CommentIfNotAchieved:
    """A key action reported 未達成 needs a short comment saying why (達成 needs none)."""

    field_flags = {}

    def __init__(self, choice: str):
        self.choice = choice

    def __call__(self, form, field):
        if form[self.choice].data == "no" and not (field.data or "").strip():
            raise StopValidation(str(_l("Say briefly why this key action was not achieved.")))


def report_form(commitments: list[dict], answers: list[dict] | None = None, formdata=None) -> PortalForm:
    """Renewal: achieved or not for each commitment of the last term; a key action also takes a
    short comment, required when it was not achieved. A challenge item is the choice alone."""
    from portal.applications.renewal import COMMENT_MAX, is_action

    class ReportForm(PortalForm):
        pass

    actions = 0
    for commitment in commitments:
        choices = [SelectChoice("yes", _l("Achieved")), SelectChoice("no", _l("Not achieved"))]
        if is_action(commitment):
            actions += 1
            label = _l("Key action %(number)s: achieved?", number=actions)
        else:
            label = commitment["label"]
        # Required to submit (missing_items says so), not to save a draft.
        setattr(ReportForm, f"achieved_{commitment['id']}", RadioField(label, choices=choices,
                                                                      validators=[RequiredToSubmit(), Optional()]))
        if is_action(commitment):
            setattr(ReportForm, f"comment_{commitment['id']}", TextAreaField(
                _l("Key action %(number)s: comment", number=actions),
                validators=[_CommentIfNotAchieved(f"achieved_{commitment['id']}"), Length(max=COMMENT_MAX)],
                description=_l("Required if not achieved: why, in a sentence or two (up to %(max)s characters).",
                               max=COMMENT_MAX),
                render_kw={"rows": 2}))
    data = {}
    for answer in answers or []:
        if answer.get("achieved") is not None:
            data[f"achieved_{answer['id']}"] = "yes" if answer["achieved"] else "no"
        data[f"comment_{answer['id']}"] = answer.get("comment", "")
    return ReportForm(formdata=formdata, data=data)


def report_to_content(form, commitments: list[dict]) -> list[dict]:
    from portal.applications.renewal import is_action

    answers = []
    for commitment in commitments:
        choice = form[f"achieved_{commitment['id']}"].data
        answer = {"id": commitment["id"], "achieved": {"yes": True, "no": False}.get(choice)}
        if is_action(commitment):
            answer["comment"] = (form[f"comment_{commitment['id']}"].data or "").strip()
        answers.append(answer)
    return answers


class _FileChosen(FileRequired):
    """A file must be chosen to upload, but attachments are optional: no 「必須」 badge.
    FileRequired sets its flags on the instance, so they are cleared there."""

    def __init__(self, message=None):
        super().__init__(message)
        self.field_flags = {}


class AttachmentForm(PortalForm):
    file = FileField(_l("File (PDF, PNG or JPEG, up to 10 MB)"),
                     validators=[_FileChosen(message=_l("Choose a file to upload."))])


class StartForm(PortalForm):
    cohort_id = SelectField(_l("Cohort to apply in"), coerce=int, validators=[DataRequired()])


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])
    confirm = BooleanField(_l("I understand that a withdrawn application cannot be submitted again."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SubmitForm(PortalForm):
    pass
