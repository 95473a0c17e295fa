"""The forms of the application steps, and how each reads from and writes to the draft."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectChoice,
                     SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from portal.applications.content import AREAS, DECLARATIONS
from portal.core.forms import NumberField, PortalForm, RequiredToSubmit
from portal.core.reference.sdgs import GOALS, TARGETS

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


def checklist_form(checklist, answers: dict | None = None, formdata=None) -> PortalForm:
    """A form with one checkbox per checklist item of the cohort's version."""

    class ChecklistForm(PortalForm):
        pass

    for item in checklist.items:
        prefix = "basic" if item.is_basic else "challenge"
        setattr(ChecklistForm, f"{prefix}_{item.id}", BooleanField(item.id))
    answers = answers or {}
    data = {f"basic_{i}": True for i in answers.get("basic", [])}
    data.update({f"challenge_{i}": True for i in answers.get("challenge", [])})
    return ChecklistForm(formdata=formdata, data=data)


def checklist_to_content(form, checklist) -> dict:
    return {
        "version": checklist.version,
        "basic": [i.id for i in checklist.basic if form[f"basic_{i.id}"].data],
        "challenge": [i.id for i in checklist.challenge if form[f"challenge_{i.id}"].data],
    }


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
    """A file must be chosen to upload, but attachments are optional: no 「必須」 badge."""

    field_flags = {}


class AttachmentForm(PortalForm):
    file = FileField(_l("File (PDF, PNG or JPEG, up to 10 MB)"),
                     validators=[_FileChosen(message=_l("Choose a file to upload."))])


class StartForm(PortalForm):
    cohort_id = SelectField(_l("Cohort to apply in"), coerce=int, validators=[DataRequired()])


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)])
    confirm = BooleanField(_l("I understand that a withdrawn application cannot be submitted again."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SubmitForm(PortalForm):
    pass
