"""Forms of the seminar pages: the secretariat's seminar (schedule and edit), its cancellation
and the attendance; the registrant's sign-up (seats and one name per seat) and cancellation."""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.fields.core import Label
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.core import deadlines
from portal.core.db import utcnow
from portal.core.forms import JSTDateTimeField, LocalDateField, PortalForm, WholeNumberField
from portal.core.i18n import jst
from portal.seminars.models import MAX_SEATS_PER_ORGANISATION, Seminar, SeminarAudience

MAX_CAPACITY = 10_000


class SeminarForm(PortalForm):
    """A seminar as the secretariat schedules it; times in JST."""

    title_ja = StringField(_l("Title (Japanese)"), validators=[DataRequired(message=_l("Enter the title in Japanese.")),
                                                               Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(message=_l("Enter the title in English.")),
                                                              Length(max=200)])
    description_ja = TextAreaField(
        _l("Description (Japanese)"),
        validators=[DataRequired(message=_l("Enter the description in Japanese.")), Length(max=5000)],
        description=_l("What the seminar is about, who it is for and what to bring."))
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=5000)],
        description=_l("Shown to those who read the portal in English; without it they see the Japanese one."))
    starts_at = JSTDateTimeField(_l("Starts (JST)"), validators=[DataRequired(message=_l("Enter when it starts."))],
                                 description=_l("Date and time in Japan Standard Time, e.g. 2026-12-10 14:00."))
    ends_at = JSTDateTimeField(_l("Ends (JST)"), validators=[DataRequired(message=_l("Enter when it ends."))])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)],
                        description=_l("Name and address of the place. Leave it empty for a seminar held only "
                                       "online."))
    online_url = StringField(
        _l("Online link"),
        validators=[Optional(), Length(max=500),
                    URL(require_tld=True, message=_l("Enter the full link, starting with https://."))],
        description=_l("Shown only to confirmed attendees, on their seminar page and in their e-mails."),
        render_kw={"inputmode": "url", "autocomplete": "off"})
    capacity = WholeNumberField(
        _l("Capacity (seats)"),
        validators=[InputRequired(message=_l("Enter the number of seats.")),
                    NumberRange(min=1, max=MAX_CAPACITY, message=_l("Enter a number of seats from 1 to %(max)s."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    seats_per_organisation = WholeNumberField(
        _l("Seats per organisation"),
        validators=[InputRequired(message=_l("Enter how many seats one organisation may book.")),
                    NumberRange(min=1, max=MAX_SEATS_PER_ORGANISATION,
                                message=_l("Enter a number from %(min)s to %(max)s."))],
        description=_l("At most %(max)s.", max=MAX_SEATS_PER_ORGANISATION),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    # Sign-up runs from a first day to a last day, as the registrants read it; stored as instants
    # (00:00 JST on the first day, 00:00 JST after the last: see portal.core.deadlines).
    signup_first_day = LocalDateField(
        _l("First day of sign-up"), validators=[DataRequired(message=_l("Enter the first day of sign-up."))],
        description=_l("Sign-up opens at 00:00 (JST) on this day."))
    signup_last_day = LocalDateField(
        _l("Last day of sign-up"), validators=[DataRequired(message=_l("Enter the last day of sign-up."))],
        description=_l("Until 23:59 (JST) on this day; at the latest the day before the seminar."))
    audience = RadioField(_l("Who may sign up"), default=SeminarAudience.REGISTRANTS.value,
                          validators=[InputRequired(message=_l("Choose who may sign up."))],
                          choices=[SelectChoice(a.value, a.title) for a in SeminarAudience])
    version = HiddenField()

    def __init__(self, *args, creating: bool = True, original: Seminar | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.original = original
        # Lazy labels, rendered in the request's language.
        self.audience.choices = [SelectChoice(a.value, a.title) for a in SeminarAudience]

    @classmethod
    def of(cls, seminar: Seminar) -> SeminarForm:
        """The edit form, filled from the seminar (times back in JST)."""
        form = cls(formdata=None, obj=seminar, creating=False, original=seminar)
        for name in ("starts_at", "ends_at"):
            getattr(form, name).data = jst(getattr(seminar, name)).replace(tzinfo=None)
        form.signup_first_day.data = deadlines.first_day(seminar.signup_opens_at)
        form.signup_last_day.data = deadlines.last_day(seminar.signup_closes_at)
        form.audience.data = seminar.audience.value
        form.version.data = str(seminar.version)
        return form

    def validate_starts_at(self, field):
        if field.utc is None or field.utc > utcnow():
            return
        if self.creating:
            raise ValidationError(_l("A new seminar must start in the future."))
        if self.original is not None and field.utc != self.original.starts_at:
            raise ValidationError(_l("A seminar cannot be moved into the past."))

    def validate_ends_at(self, field):
        if field.data is not None and self.starts_at.data is not None and field.data <= self.starts_at.data:
            raise ValidationError(_l("The seminar must end after it starts."))

    def validate_signup_last_day(self, field):
        if field.data is None:
            return
        if self.signup_first_day.data is not None and field.data < self.signup_first_day.data:
            raise ValidationError(_l("The last day of sign-up cannot be before its first day."))
        if self._kept_close() is not None:
            return  # the operation checks the stored close against the start
        if self.starts_at.data is not None and field.data >= self.starts_at.data.date():
            raise ValidationError(_l("The last day of sign-up must be before the day of the seminar."))

    def _kept_close(self):
        """The stored close of a sign-up set to close at a time of day (before days were entered),
        when its last day was left as it was: it is kept as it is (see closing_for)."""
        if self.original is None or self.signup_last_day.data is None:
            return None
        kept = deadlines.closing_for(self.signup_last_day.data, self.original.signup_closes_at)
        return kept if kept != deadlines.close_after(self.signup_last_day.data) else None

    def validate_online_url(self, field):
        if field.data and not field.errors and not field.data.lower().startswith(("https://", "http://")):
            raise ValidationError(_l("Enter the full link, starting with https://."))

    def validate_seats_per_organisation(self, field):
        if field.data is not None and self.capacity.data is not None and field.data > self.capacity.data:
            raise ValidationError(_l("Seats per organisation cannot be more than the capacity."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.venue.data or "").strip() and not (self.online_url.data or "").strip():
            self.venue.errors = [*self.venue.errors, str(_l("Give the venue, the online link, or both."))]
            valid = False
        return valid

    def seminar_data(self) -> dict:
        """The arguments of create_seminar / update_seminar (times UTC-aware; a sign-up day left as
        it was keeps its stored instant)."""
        return {"title_ja": self.title_ja.data, "title_en": self.title_en.data,
                "description_ja": self.description_ja.data, "description_en": self.description_en.data,
                "starts_at": self.starts_at.utc, "ends_at": self.ends_at.utc, "venue": self.venue.data,
                "online_url": self.online_url.data, "capacity": self.capacity.data,
                "seats_per_organisation": self.seats_per_organisation.data,
                "signup_opens_at": deadlines.opening_for(
                    self.signup_first_day.data, self.original.signup_opens_at if self.original else None),
                "signup_closes_at": deadlines.closing_for(
                    self.signup_last_day.data, self.original.signup_closes_at if self.original else None),
                "audience": self.audience.data}

    @property
    def loaded_version(self) -> int | None:
        data = self.version.data or ""
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
        return int(data) if data.isascii() and data.isdigit() else None


class CancelSeminarForm(PortalForm):
    """The secretariat cancels a seminar: the reason everyone signed up is told, and a tick."""

    reason = TextAreaField(
        _l("Reason for the cancellation"),
        validators=[DataRequired(message=_l("Give the reason for the cancellation: it is sent to everyone "
                                            "signed up.")), Length(max=2000)],
        description=_l("Sent by e-mail to every organisation signed up, confirmed or waiting."))
    confirm = BooleanField(_l("I confirm that this seminar is cancelled. This cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class SignupForm(PortalForm):
    """A sign-up: how many seats, and one attendee's name per seat (as many name fields as the
    seminar allows seats per organisation, so that it works without JavaScript)."""

    seats = WholeNumberField(
        _l("Number of seats"),
        validators=[InputRequired(message=_l("Enter the number of seats.")),
                    NumberRange(min=1, message=_l("Enter 1 or more seats.")),
                    NumberRange(max=MAX_SEATS_PER_ORGANISATION,
                                message=_l("An organisation may book at most %(max)s seats."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    names = FieldList(StringField(_l("Attendee's name"), validators=[Optional(), Length(max=100)],
                                  render_kw={"autocomplete": "off"}), min_entries=1)

    def __init__(self, *args, limit: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit
        del self.names.entries[limit:]  # a forged post with more names than seats allowed
        while len(self.names) < limit:
            self.names.append_entry()
        for number, entry in enumerate(self.names, start=1):
            entry.label = Label(entry.id, _("Attendee %(number)s", number=number))
        self.seats.description = _("At most %(limit)s per organisation.", limit=limit)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for entry in self.names:
            if any(unicodedata.category(c) == "Cc" for c in entry.data or ""):
                entry.errors = [*entry.errors, str(_l("Contains characters that cannot be used."))]
                valid = False
        seats = self.seats.data
        if not valid or seats is None:
            return False
        if seats > self.limit:
            self.seats.errors = [*self.seats.errors, _(
                "Each organisation may book at most %(limit)s seats for this seminar.", limit=self.limit)]
            return False
        filled = [entry for entry in self.names if (entry.data or "").strip()]
        if len(filled) > seats:
            self.seats.errors = [*self.seats.errors, _(
                "You entered %(names)s names for %(seats)s seats: enter as many seats as names.",
                names=len(filled), seats=seats)]
            return False
        if len(filled) < seats:
            missing = next(entry for entry in self.names[:seats] if not (entry.data or "").strip())
            missing.errors = [*missing.errors, _("Enter a name for each seat: %(seats)s seats, %(names)s names.",
                                                 seats=seats, names=len(filled))]
            return False
        return True

    def attendee_names(self) -> list[str]:
        return [entry.data.strip() for entry in self.names if (entry.data or "").strip()]


class ConfirmForm(PortalForm):
    """A confirmation page's form: only the CSRF token."""

