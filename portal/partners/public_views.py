"""Public pages of the partners: the support menus (支援メニュー) registrants browse, which the
landing page lists too, and the institutions' logos."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from portal.core.extensions import db
from portal.core.files import send_stored
from portal.core.forms import whole_number
from portal.core.paging import page_of
from portal.core.permissions import public
from portal.partners import logos
from portal.partners.models import PartnerInstitution, SupportMenu

bp = Blueprint("support_menus", __name__)
PAGE_SIZE = 30
HOME_MENUS = 6


def _published():
    return select(SupportMenu).join(SupportMenu.institution).where(SupportMenu.published.is_(True))


@bp.get("/support-menus")
@public
def index():
    """Every published support menu, by institution and fee; anyone may read them."""
    institution = request.args.get("institution", "")
    fee = request.args.get("fee", "")
    query = _published().add_columns(func.count().over())
    if whole_number(institution) is not None:
        query = query.where(SupportMenu.institution_id == whole_number(institution))
    if fee in ("free", "charged"):
        query = query.where(SupportMenu.free.is_(fee == "free"))
    rows, page = page_of(query.order_by(PartnerInstitution.id, SupportMenu.id.desc()), PAGE_SIZE)
    institutions = db.session.scalars(
        select(PartnerInstitution).where(PartnerInstitution.id.in_(
            select(SupportMenu.institution_id).where(SupportMenu.published.is_(True))))
        .order_by(PartnerInstitution.id)).all()
    return render_template("partners/public_menus.html", menus=[row[0] for row in rows], page=page,
                           institutions=institutions, institution=institution, fee=fee)


@bp.app_template_global("home_support_menus")
def home_support_menus() -> list[SupportMenu]:
    """The newest published menus, for the landing page (templates/core/home.html)."""
    return list(db.session.scalars(_published().order_by(SupportMenu.updated_at.desc(), SupportMenu.id.desc())
                                   .limit(HOME_MENUS)))


@bp.get("/partners/<int:institution_id>/logo")
@public
def logo(institution_id: int):
    """An institution's logo (public: it is shown beside its menus)."""
    institution = db.get_or_404(PartnerInstitution, institution_id)
    if not institution.logo_name:
        abort(404)
    try:
        path = logos.path_of(institution.logo_name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_stored(path, mimetype=institution.logo_content_type, max_age=3600, etag=institution.logo_name,
                           private=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
