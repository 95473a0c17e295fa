"""熊本県SDGs登録制度 — the Kumamoto Prefecture SDGs registration portal."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal import config as settings

__version__ = "1.0.0"
ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides the environment (tests use it)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", settings.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["PRODUCTION"]:
        weak = settings.secret_key_problem(app.config["SECRET_KEY"])
        if weak:
            raise RuntimeError(f"PORTAL_ENV=production refuses to start: {weak}")
    from portal.core.files import check_settings

    check_settings(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    # Before any route exists: an id in a URL beyond an INTEGER column is a page that does not
    # exist (404), not a number the database driver overflows on (500).
    app.url_map.converters["int"] = BoundedIntegerConverter
    _init_extensions(app)
    _register_features(app)
    return app


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in every route: at most 2**31 - 1, what an INTEGER column holds."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    from portal.core import i18n, observability, outbox, page_cache, security
    from portal.core.extensions import babel, csrf, db, limiter, login_manager, migrate

    observability.init_app(app)  # first: its before_request starts the clock for all others
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Tokyo")
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    outbox.init_app(app)
    security.init_app(app)
    page_cache.init_app(app)
    from portal.contacts import blocks as contact_blocks

    contact_blocks.init_app(app)
    from portal.core.permissions import home_endpoint, may
    from portal.core.reference.sdgs import target_text

    app.jinja_env.globals.update(may=may, home_endpoint=home_endpoint, has_endpoint=lambda name: name in app.view_functions,
                                 target_text=target_text)


def _register_features(app: Flask) -> None:
    # Every model, so that the metadata (and Alembic) sees the whole schema.
    from portal import cli, models  # noqa: F401
    from portal.accounts.views import bp as accounts
    from portal.accounts.staff_views import bp as staff_accounts
    from portal.core.views import bp as core
    from portal.organisations.views import bp as organisations
    from portal.applications.views import bp as applications
    from portal.cohorts.views import bp as cohorts
    from portal.logos.staff_views import bp as staff_logos
    from portal.logos.views import bp as logos
    from portal.registrations.staff_views import bp as staff_registrations
    from portal.registrations.views import bp as registrations
    from portal.review.checks import bp as review_checks
    from portal.review.views import bp as review
    from portal.kpi.views import bp as kpi
    from portal.directory.views import bp as directory
    from portal.partners.views import bp as partner
    from portal.partners.public_views import bp as support_menus
    from portal.partners.staff_views import bp as staff_partners
    from portal.seminars.staff_views import bp as staff_seminars
    from portal.seminars.views import bp as seminars
    from portal.selfcheck.views import bp as selfcheck
    from portal.reports.staff_views import bp as staff_reports
    from portal.reports.views import bp as reports
    from portal.system.views import bp as system
    from portal.claims.views import bp as claims
    from portal.claims.staff_views import bp as staff_claims
    from portal.contacts.views import bp as contacts
    from portal.certificates.staff_views import bp as staff_certificates
    from portal.certificates.views import bp as registration_mark
    from portal.inquiries.views import bp as inquiries
    from portal.inquiries.staff_views import bp as staff_inquiries

    for blueprint in (core, accounts, staff_accounts, organisations, applications, review, review_checks, cohorts,
                      registrations, staff_registrations, directory, kpi, partner, staff_partners, support_menus,
                      logos, staff_logos, seminars, staff_seminars, selfcheck,
                      reports, staff_reports, system, claims, staff_claims, contacts, staff_certificates,
                      registration_mark, inquiries, staff_inquiries):
        app.register_blueprint(blueprint)
    cli.init_app(app)
