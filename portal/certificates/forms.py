from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from portal.core.forms import PortalForm


class IssuerForm(PortalForm):
    title = StringField(_l("Issuer's title"), validators=[DataRequired(), Length(max=60)],
                        description=_l("As printed on the certificate, in Japanese (the governor's title)."))
    name = StringField(_l("Name of the office holder"), validators=[Length(max=60)],
                       description=_l("Printed after the title, with the seal over it. Change it when the governor "
                                      "changes: certificates downloaded afterwards carry the new name."))
    seal = FileField(_l("Official seal image"),
                     description=_l("PNG or SVG, at most 1 MB, ideally square with a transparent background."))
    remove_seal = BooleanField(_l("Remove the seal image"))


class CeremonyPrintForm(PortalForm):
    no_frame = BooleanField(_l("Leave out the frame (for pre-printed certificate paper)"))
