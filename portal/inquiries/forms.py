"""Forms of inquiries: the question (signed in, or a visitor with name and address), a reply,
staff's answer or note, and closing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from portal.core.forms import PortalForm, nfkc
from portal.inquiries.models import CATEGORY_TITLES, InquiryCategory

SUBJECT_MAX = 100
BODY_MAX = 4000


def _body(label, message):
    return TextAreaField(label, validators=[
        DataRequired(message=message),
        Length(max=BODY_MAX, message=_l("Write at most %(max)d characters.", max=BODY_MAX))])


class AskForm(PortalForm):
    """A question to an office. Visitors also give their name and e-mail address (removed for
    signed-in accounts, whose own are used); `about` lists the account's applications and
    registrations (removed when there are none)."""

    name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), Length(max=100)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), filters=[nfkc],
                       validators=[DataRequired(message=_l("Enter your e-mail address.")), Length(max=254),
                                   Email(message=_l("Enter a valid e-mail address."))],
                       description=_l("We send a link to this address: your question reaches the office once you "
                                      "open it."),
                       render_kw={"autocomplete": "email"})
    category = RadioField(_l("What is your question about?"),
                          choices=[SelectChoice(c.value, CATEGORY_TITLES[c]) for c in InquiryCategory],
                          validators=[InputRequired(message=_l("Choose what your question is about."))],
                          description=_l("Questions about the logo are answered by Kumamoto City, all others by "
                                         "the prefecture's secretariat."))
    about = SelectField(_l("About which application or registration"), choices=[], validate_choice=True)
    subject = StringField(_l("Subject"), validators=[
        DataRequired(message=_l("Enter a subject.")),
        Length(max=SUBJECT_MAX, message=_l("Write at most %(max)d characters.", max=SUBJECT_MAX))])
    body = _body(_l("Your question"), _l("Write your question."))

    def __init__(self, *args, signed_in: bool = False, about_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.name
            del self.email
        if about_choices:
            self.about.choices = [("", _l("None in particular")), *about_choices]
        else:
            del self.about


class ReplyForm(PortalForm):
    """The asker writes again in their thread."""

    body = _body(_l("Your reply"), _l("Write your reply."))


ANSWER, NOTE = "answer", "note"


class AnswerForm(PortalForm):
    """Staff's answer to the asker (mailed) or an internal note (never shown to the asker).
    `version` is the thread as the page showed it (compare-and-set)."""

    kind = RadioField(_l("Send as"), default=ANSWER,
                      choices=[SelectChoice(ANSWER, _l("An answer to the asker (sent by e-mail)")),
                               SelectChoice(NOTE, _l("An internal note for colleagues"))],
                      validators=[InputRequired()])
    body = _body(_l("Message"), _l("Write the message."))
    version = HiddenField(validators=[InputRequired()])


class AssignForm(PortalForm):
    """Who answers the inquiry: one of its office's staff, or nobody (choices set by the view)."""

    assignee = SelectField(_l("Assignee"), choices=[], validate_choice=True)


class CloseForm(PortalForm):
    version = HiddenField(validators=[InputRequired()])
