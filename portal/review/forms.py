"""The review actions' forms. Each carries the application's `version` as it was shown, so
that an action on a page gone stale (someone else acted meanwhile) is refused, not applied."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.applications.rejection import REASONS
from portal.core.forms import PortalForm, whole_number
from portal.core.i18n import today_jst

# Reasons that come back again and again; choosing one fills the reason when none is typed.
REJECTION_REASONS = {
    "actions_not_concrete": _l("The key actions are not concrete enough to be checked: an indicator or a 2030 "
                               "target value is missing or unclear."),
    "checklist_unsupported": _l("The checklist answers are not supported by the activities described in the "
                                "application."),
    "not_eligible": _l("The applicant does not meet the eligibility requirements (an office doing business in "
                       "Kumamoto Prefecture; not the state or a local government)."),
    "declarations": _l("The declarations (taxes, organised crime, lawful conduct) could not be confirmed."),
    "no_correction": _l("The corrections requested were not made by the deadline."),
}

_VERSION = Regexp(r"^[0-9]{1,9}$", message=_l("This page is out of date. Please reload it."))


class VersionForm(PortalForm):
    """An action without input of its own: start review, recommend approval, reset, take."""

    version = HiddenField(validators=[InputRequired(message=_l("This page is out of date. Please reload it.")),
                                      _VERSION])

    @property
    def version_number(self) -> int | None:
        data = self.version.data or ""
        return whole_number(data)


class ReturnForm(VersionForm):
    """差戻し: a message to the applicant, optional notes per step and an optional deadline."""

    message = TextAreaField(_l("Message to the applicant"), validators=[
        DataRequired(message=_l("Write what the applicant should correct.")), Length(max=4000)],
        description=_l("Sent by e-mail to every member of the organisation and shown on the application."),
        render_kw={"rows": 6})
    deadline = DateField(_l("Correction deadline"), validators=[Optional()],
                         description=_l("Optional. The applicant can resubmit until the end of this day (JST)."))

    note_prefix = "note_"

    def validate_deadline(self, field):
        if field.data is not None and field.data < today_jst():
            raise ValidationError(_l("The correction deadline cannot be in the past."))

    def notes(self) -> dict[str, str]:
        return {name[len(self.note_prefix):]: field.data for name, field in self._fields.items()
                if name.startswith(self.note_prefix) and field.data}

    def note_fields(self):
        return [field for name, field in self._fields.items() if name.startswith(self.note_prefix)]


def return_form(steps, **kwargs) -> ReturnForm:
    """A ReturnForm with one optional note per step of the application (its step ids)."""

    class StepReturnForm(ReturnForm):
        pass

    for step in steps:
        if step.id == "confirm":
            continue
        setattr(StepReturnForm, ReturnForm.note_prefix + step.id, TextAreaField(
            _l("Note on “%(step)s”", step=step.title), validators=[Optional(), Length(max=1000)],
            render_kw={"rows": 2}))
    return StepReturnForm(**kwargs)


class RejectForm(VersionForm):
    """不登録推薦: a reason is required, typed or chosen from the reusable ones."""

    preset = SelectField(_l("Reusable reason"), validators=[Optional()],
                         description=_l("Used when the reason below is left empty."),
                         choices=[SelectChoice("", _l("— choose a reason —")),
                                  *(SelectChoice(key, text) for key, text in REJECTION_REASONS.items())])
    reason = TextAreaField(_l("Reason for recommending rejection"), validators=[Length(max=2000)],
                           description=_l("Internal to staff: the applicant does not see it before the decision."),
                           render_kw={"rows": 4})

    def validate_reason(self, field):
        if not field.data and not self.preset.data:
            raise ValidationError(_l("Give the reason for recommending rejection, or choose one."))

    def chosen_reason(self) -> str:
        return self.reason.data or str(REJECTION_REASONS.get(self.preset.data or "", ""))


class RejectionReasonForm(VersionForm):
    """The secretariat's reason for the applicant (不登録の理由), stated by the decision mail."""

    reason = SelectField(_l("Reason given to the applicant"),
                         validators=[DataRequired(message=_l("Choose the reason given to the applicant."))],
                         description=_l("Stated in the mail that tells the applicant the decision."),
                         choices=[SelectChoice("", _l("— choose a reason —")),
                                  *(SelectChoice(key, text) for key, text in REASONS.items())])
    message = TextAreaField(_l("Further explanation for the applicant"), validators=[Optional(), Length(max=2000)],
                            description=_l("Added below the reason in the mail; the reason for recommending "
                                           "rejection above stays internal."),
                            render_kw={"rows": 4})


class AssignForm(VersionForm):
    """The secretariat assigns one application to a staff member (or to nobody)."""

    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[InputRequired()])


def reviewer_choices(staff, placeholder: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice("", _l("— choose —"))] if placeholder else []
    choices.append(SelectChoice(0, _l("Nobody (unassigned)")))
    return choices + [SelectChoice(u.id, _l("%(name)s (%(role)s)", name=u.name, role=u.role.title)) for u in staff]


def _optional_int(value):
    if value is None or value == "":
        return None
    number = whole_number(value)
    return -1 if number is None else number


_SELECTED = re.compile(r"^([0-9]{1,9}):([0-9]{1,9})$")


class BulkAssignForm(PortalForm):
    """The secretariat assigns the checked applications of the queue to one staff member.
    Each checkbox's value is "application id:version" as the row showed it."""

    applications = SelectMultipleField(_l("Applications"), validate_choice=False,
                                       validators=[DataRequired(message=_l("Check at least one application."))])
    # Starts on "— choose —": assigning (or unassigning) many at once is never a default.
    reviewer_id = SelectField(_l("Assign the checked applications to"), coerce=_optional_int, validate_choice=False)

    def validate_reviewer_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose whom to assign the checked applications to."))
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Not a valid choice."))

    def validate_applications(self, field):
        if any(not _SELECTED.match(value or "") for value in field.data or []):
            raise ValidationError(_l("This page is out of date. Please reload it."))

    def selected(self) -> dict[int, int]:
        """{application id: version shown}."""
        found = {}
        for value in self.applications.data or []:
            match = _SELECTED.match(value)
            if match:
                found[int(match.group(1))] = int(match.group(2))
        return found


# --- checking the checklist ------------------------------------------------------------------

OK, NEEDS_CORRECTION = "ok", "fix"


class VerificationForm(VersionForm):
    """The reviewer's check of each checklist item: OK or needs correction (or not checked
    yet), with a note. Built per checklist version by `verification_form`."""

    result_prefix = "check_"
    note_prefix = "check_note_"
    items: tuple = ()

    def result_field(self, item_id: str):
        return self[self.result_prefix + item_id]

    def note_field(self, item_id: str):
        return self[self.note_prefix + item_id]

    def results(self) -> dict[str, dict]:
        """{item id: {"ok": bool, "note": str}} for the items checked, as verify_checklist takes it."""
        found = {}
        for item in self.items:
            value = self.result_field(item.id).data
            if value in (OK, NEEDS_CORRECTION):
                found[item.id] = {"ok": value == OK, "note": self.note_field(item.id).data or ""}
        return found


def verification_form(checklist, saved: dict | None = None, **kwargs) -> VerificationForm:
    """A VerificationForm with a result and a note per item of `checklist`; `saved` (the
    application's verification) fills it when no form data is given."""

    class ChecklistVerificationForm(VerificationForm):
        pass

    choices = [SelectChoice("", _l("Not checked yet")), SelectChoice(OK, _l("OK")),
               SelectChoice(NEEDS_CORRECTION, _l("Needs correction"))]
    for item in checklist.items:
        setattr(ChecklistVerificationForm, VerificationForm.result_prefix + item.id, SelectField(
            _l("Result for %(item)s", item=item.id), choices=choices, default="", validators=[Optional()]))
        setattr(ChecklistVerificationForm, VerificationForm.note_prefix + item.id, StringField(
            _l("Note on %(item)s", item=item.id), validators=[Optional(), Length(max=1000)]))
    data = dict(kwargs.pop("data", None) or {})
    for item_id, result in (saved or {}).items():
        data[VerificationForm.result_prefix + item_id] = OK if result.get("ok") else NEEDS_CORRECTION
        data[VerificationForm.note_prefix + item_id] = result.get("note") or ""
    form = ChecklistVerificationForm(data=data, **kwargs)
    form.items = checklist.items
    return form


# --- comments ------------------------------------------------------------------------------

INTERNAL, TO_APPLICANT = "internal", "applicant"


class CommentForm(PortalForm):
    """A comment on the application: internal to staff (the default: nothing leaves the
    office by accident) or a message the applicant is mailed and sees."""

    comment = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("Write the comment first.")),
                                                       Length(max=4000)], render_kw={"rows": 4})
    audience = RadioField(_l("Who sees it"), default=INTERNAL, validators=[InputRequired()], choices=[
        SelectChoice(INTERNAL, _l("Staff only (internal comment)")),
        SelectChoice(TO_APPLICANT, _l("The applicant too: mailed to every member of the organisation and shown "
                                      "on the application's page"))])

    @property
    def to_applicant(self) -> bool:
        return self.audience.data == TO_APPLICANT


def unique_ids(form, prefix: str):
    """Give every visible field of `form` an id starting with `prefix` (names stay as they are),
    so that several forms on one page never share an id (two "reason" boxes, for one)."""
    if form is None:
        return None
    for field in form:
        if field.type not in ("CSRFTokenField", "HiddenField") and not field.id.startswith(prefix):
            field.id = prefix + field.id
    return form


# --- checks made outside the portal --------------------------------------------------------

class ExternalCheckForm(PortalForm):
    """A check the prefecture made outside the portal (県税の滞納確認, 暴力団排除の照会): which,
    when, with what result. A record changes nothing of the application, so it needs no version."""

    kind = RadioField(_l("Check"), validators=[InputRequired(message=_l("Choose which check was made."))],
                      choices=[SelectChoice("tax", _l("Prefectural tax arrears check")),
                               SelectChoice("police", _l("Organised-crime exclusion inquiry (police)"))])
    checked_on = DateField(_l("Date of the check"),
                           validators=[InputRequired(message=_l("Give the date of the check (for example "
                                                                "2026-12-01)."))])
    result = RadioField(_l("Result"), validators=[InputRequired(message=_l("Choose the result of the check."))],
                        choices=[SelectChoice("clear", _l("No problem found")),
                                 SelectChoice("follow_up", _l("Needs follow-up"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)],
                       description=_l("Optional: a reference number or what to follow up. Staff only."))

    def validate_checked_on(self, field):
        if field.data is not None and field.data > today_jst():
            raise ValidationError(_l("The date of the check cannot be in the future."))
