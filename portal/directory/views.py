"""The public directory (登録事業者一覧), a page per registrant, and the open data.

Everyone may read them (`@public`); what they show is decided once, in `queries.listed`:
registrants active today (JST). The pages are kept under the register's data generation
(`portal.core.page_cache`): the same for everyone, made again after any write to the register.
"""
from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from portal.core.i18n import today_jst
from portal.core.links import external_url
from portal.core.generations import REGISTER
from portal.core.page_cache import cached_page, cached_value
from portal.core.paging import Page, requested_page
from portal.core.permissions import public
from portal.core.reference.industries import INDUSTRIES
from portal.core.reference.municipalities import KUMAMOTO_CITY, MUNICIPALITIES
from portal.core.reference.sdgs import GOALS
from portal.directory import opendata as files
from portal.directory import queries
from portal.registrations.documents import normalise_number

bp = Blueprint("directory", __name__)

SDG = {goal.number: goal for goal in GOALS}


@bp.get("/registrants")
@public
def index():
    """Search and filter the listed registrants; one query for the page (the goals with each
    row), one for its total (kept per generation of the register and per filters: the other
    pages of the same search share it) and one for the cohort choices."""
    def build():
        filters = queries.Filters.parse(request.args)
        day, number = today_jst(), requested_page()
        total = cached_value("directory-count", areas=(REGISTER,), vary=(filters,),
                             compute=lambda: queries.count_matching(day, filters))
        page = Page(queries.listed_page(day, filters, number), number, queries.PER_PAGE, total)
        return dict(page=page, filters=filters, goals=GOALS, sdg=SDG, municipalities=MUNICIPALITIES,
                    kumamoto_city=KUMAMOTO_CITY, industries=INDUSTRIES, cohorts=queries.decided_cohorts(),
                    filter_titles=queries.FILTER_TITLES)

    return cached_page("directory/index.html", areas=(REGISTER,), build=build)


@bp.get("/registrants/<number>")
@public
def show(number: str):
    """One listed registrant: profile, 2030 vision, goals and key actions. Unknown and ended
    registrants answer the same 404."""
    def build():
        canonical = normalise_number(number)
        registrant = queries.find_listed(canonical, today_jst()) if canonical else None
        if registrant is None:
            return make_response(render_template("directory/not_found.html", number=canonical), 404)
        plan = queries.published_plan(registrant.id)
        return dict(registrant=registrant, sdg=SDG, vision=plan.vision, actions=plan.actions,
                    canonical_url=external_url("directory.show", number=registrant.number))

    return cached_page("directory/show.html", areas=(REGISTER,), build=build)


@bp.get("/opendata")
@public
def opendata():
    """What the open data holds, its fields and licence, and the links to the files."""
    return render_template("directory/opendata.html", fields=queries.FIELDS, count=queries.count_listed(today_jst()),
                           license_name=files.LICENSE, license_url=files.LICENSE_URL,
                           attribution=files.ATTRIBUTION)


@bp.get("/opendata/registrants.csv")
@public
def opendata_csv():
    return files.csv_response(today_jst())


@bp.get("/opendata/registrants.json")
@public
def opendata_json():
    return files.json_response(today_jst())
