"""Sign up, verify, log in and out, reset a password, edit one's profile."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import operations, sessions, throttle, two_factor
from portal.accounts.forms import (AppCodeForm, ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm,
                                   ResetPasswordForm, SecondFactorForm, SignUpForm)
from portal.accounts.models import User
from portal.core.extensions import db, limiter, login_manager
from portal.core.forms import keep_input
from portal.core.i18n import current_locale
from portal.core.links import safe_next
from portal.core.permissions import PUBLIC, access, may, public
from portal.core.security import form_view
from portal.selfcheck import answers as selfcheck_answers

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return sessions.load_user(session_id)


@login_manager.unauthorized_handler
def unauthorized():
    if request.method == "POST":
        keep_input()
        flash(_("Your session had ended. Please sign in again: what you typed has been kept."), "warning")
        target = request.path
    else:
        flash(_("Please sign in to continue."), "info")
        target = request.full_path.rstrip("?")
    return redirect(url_for("accounts.login", next=target))


def _next_page(user: User | None = None) -> str:
    """The page asked for before signing in, if it is on this site; else the user's home."""
    from portal.core.views import home_of

    # Each person's own home: an applicant's organisation, the staff pages, the city's menu, a
    # partner's supported organisations (never the landing page's sign-up call).
    home = home_of(user) if user is not None else None
    default = home[0] if home is not None else url_for("core.home")
    return safe_next(request.args.get("next"), default)


def _start_session(user: User, remember: bool) -> None:
    """A fresh session for a completed sign-in (no fixation), keeping only the visitor's chosen
    language and self-check answers (both theirs, and checked again wherever they are read)."""
    operations.signed_in(user)
    db.session.commit()
    kept = {key: session[key] for key in ("lang", selfcheck_answers.SESSION_KEY) if session.get(key)}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@form_view
@public
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        operations.sign_up(form.email.data, form.name.data, form.password.data, current_locale())
        db.session.commit()
        return render_template("accounts/check_mail.html", email=form.email.data)
    return render_template("accounts/signup.html", form=form), form.status_code


@bp.get("/account/verify/<token>")
@public
def verify_email(token: str):
    user = operations.verify_email(token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if user is None:
        return render_template("accounts/link_invalid.html", kind="verify"), 400
    db.session.commit()
    flash(_("Your e-mail address is verified."), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated else url_for("accounts.login"))


@bp.post("/account/verify/resend")
@access("signed_in")
def resend_verification():
    if not current_user.email_verified:
        operations.send_verification(current_user)
        db.session.commit()
    flash(_("We have sent a new verification link to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("accounts.profile"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.limited
@form_view
@public
def login():
    if current_user.is_authenticated:
        return redirect(_next_page(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            _failed_attempt(form.email.data)
            form.password.errors.append(_("The e-mail address or the password is not correct."))
        elif user.two_factor_enabled:
            # The password was right; the session holds only who is half-way, for five minutes.
            session[throttle.PENDING_KEY] = {"user": user.get_id(), "email": user.email, "at": int(time.time()),
                                             "remember": bool(form.remember.data), "next": _next_page(user)}
            return redirect(url_for("accounts.second_factor"))
        else:
            _start_session(user, bool(form.remember.data))
            if two_factor.must_enrol(user):
                return redirect(url_for("accounts.two_factor_settings"))
            return redirect(_next_page(user))
    return render_template("accounts/login.html", form=form), form.status_code


def _failed_attempt(email: str) -> None:
    if throttle.failed(email):
        operations.alert_failed_sign_ins(email)
        db.session.commit()


PENDING_SECONDS = 300
# Set in a session signed in with a recovery code: it may set the app up on a new phone.
RECOVERED_KEY = "signed_in_with_recovery_code"


def _pending_sign_in() -> tuple[User | None, dict]:
    pending = session.get(throttle.PENDING_KEY)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None, {}
    user = sessions.load_user(pending.get("user", ""))
    return (user, pending) if user is not None and user.is_active and user.two_factor_enabled else (None, {})


@bp.route("/login/second-factor", methods=["GET", "POST"])
@throttle.limited
@form_view
@public
def second_factor():
    """The code from the authenticator app (or a recovery code), after the password."""
    user, pending = _pending_sign_in()
    if user is not None and not throttle.second_factor_allowed(user):
        # Wrong codes from anywhere: whoever has the password must prove it again, later.
        user = None
        flash(_("Too many wrong codes were entered for this account. Please sign in again later."), "error")
    if user is None:
        session.pop(throttle.PENDING_KEY, None)
        if not session.get("_flashes"):
            flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        used = two_factor.verify(user, form.code.data)
        if used is None:
            throttle.second_factor_failed(user)
            _refuse_code(form.code)
        else:
            _start_session(user, bool(pending.get("remember")))
            if used == "recovery":
                session[RECOVERED_KEY] = True
                flash(_("You signed in with a recovery code. %(count)d codes are left: if you have lost your "
                        "phone, set up the app on your new phone on this page.",
                        count=two_factor.recovery_codes_left(user)), "warning")
                return redirect(url_for("accounts.two_factor_settings"))
            return redirect(safe_next(pending.get("next"), url_for("core.home")))
    return render_template("accounts/second_factor.html", form=form), form.status_code


@bp.post("/logout")
@public
def logout():
    """Sign out: every session and remember cookie of the account ends, here and on every other
    device, and this browser's remember cookie is deleted."""
    lang = session.get("lang")
    if current_user.is_authenticated:
        operations.end_sessions(current_user, "sign_out")
        db.session.commit()
    session.clear()
    logout_user()  # after clear(): it leaves the marker that deletes the remember cookie
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.home"))


@bp.post("/account/sessions/end")
@access("signed_in")
def end_other_sessions():
    """Sign out of every other device: every earlier session and remember cookie ends; this
    browser gets a new session."""
    user = current_user._get_current_object()
    operations.end_sessions(user, "all_devices")
    _start_session(user, remember=False)
    flash(_("You have been signed out on every other device."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@form_view
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form), form.status_code


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@form_view
@public
def reset_password(token: str):
    user = operations.user_for_reset(token)
    if user is None:
        return render_template("accounts/link_invalid.html", kind="reset"), 400
    form = ResetPasswordForm(email=user.email)
    if form.validate_on_submit():
        operations.set_password(user, form.password.data, via_link=True)
        db.session.commit()
        lang = session.get("lang")
        session.clear()
        logout_user()
        if lang:
            session["lang"] = lang
        flash(_("Your password has been set. Please sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), form.status_code


@bp.route("/account", methods=["GET", "POST"])
@form_view
@access("signed_in")
def profile():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        operations.update_profile(current_user, form.name.data, form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form), form.status_code


@bp.post("/account/password")
@throttle.limited
@form_view
@access("signed_in")
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        user = current_user._get_current_object()
        if user.check_password(password_form.current_password.data):
            operations.set_password(user, password_form.password.data)
            # Every other session ended with the change; this browser stays signed in.
            _start_session(user, remember=False)
            flash(_("Your password has been changed. You have been signed out on every other device."), "success")
            return redirect(url_for("accounts.profile"))
        _failed_attempt(user.email)
        password_form.current_password.errors.append(_("The current password is not correct."))
    return render_template("accounts/profile.html", form=form, password_form=password_form), \
        password_form.status_code



# --- two-factor sign-in --------------------------------------------------------------------

@bp.route("/account/two-factor", methods=["GET", "POST"])
@throttle.limited
@form_view
@access("signed_in")
def two_factor_settings():
    """Set up the authenticator app (QR code, then a code to confirm), see how many recovery
    codes are left, replace them, or turn two-factor sign-in off where it is optional."""
    user = current_user._get_current_object()
    form = AppCodeForm(prefix="enrol")
    if user.two_factor_enabled:
        return _two_factor_page(user)
    secret = two_factor.enrolment_secret(user)
    db.session.commit()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(user, form.code.data)
        except two_factor.TwoFactorError:
            _refuse_code(form.code)
        else:
            # Enrolment is a change of how the account signs in: earlier sessions end.
            operations.end_sessions(user, "second_factor_enabled")
            _start_session(user, remember=False)
            return render_template("accounts/recovery_codes.html", codes=codes, enrolled=True)
    return render_template("accounts/two_factor.html", form=form, enrolment=two_factor.provisioning(user, secret),
                           required=two_factor.required_for(user)), form.status_code


def _two_factor_page(user: User, codes_form=None, disable_form=None, status: int = 200):
    return render_template("accounts/two_factor.html", enrolment=None, required=two_factor.required_for(user),
                           new_phone=bool(session.get(RECOVERED_KEY)),
                           codes_form=codes_form or AppCodeForm(prefix="codes"),
                           disable_form=disable_form or AppCodeForm(prefix="disable"),
                           codes_left=two_factor.recovery_codes_left(user)), status


@bp.post("/account/two-factor/recovery-codes")
@throttle.limited
@form_view
@access("signed_in")
def new_recovery_codes():
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    form = AppCodeForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = two_factor.replace_recovery_codes(user, form.code.data)
        except two_factor.TwoFactorError:
            _refuse_code(form.code)
        else:
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, enrolled=False)
    return _two_factor_page(user, codes_form=form, status=form.status_code)


@bp.post("/account/two-factor/new-phone")
@access("signed_in")
def new_phone():
    """Set the app up on a new phone, in a session signed in with a recovery code (the old phone
    is lost, so no code from it can be asked for)."""
    user = current_user._get_current_object()
    if not session.get(RECOVERED_KEY) or not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    two_factor.restart_enrolment(user)
    _start_session(user, remember=False)
    return redirect(url_for("accounts.two_factor_settings"))


@bp.post("/account/two-factor/disable")
@throttle.limited
@form_view
@access("signed_in")
def disable_two_factor():
    user = current_user._get_current_object()
    form = AppCodeForm(prefix="disable")
    if two_factor.required_for(user) or not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    if form.validate_on_submit():
        try:
            two_factor.disable(user, form.code.data)
        except two_factor.TwoFactorError:
            _refuse_code(form.code)
        else:
            _start_session(user, remember=False)
            flash(_("Two-step sign-in is off. Your password alone now signs you in."), "success")
            return redirect(url_for("accounts.profile"))
    return _two_factor_page(user, disable_form=form, status=form.status_code)


# Pages an account that must enrol a second factor may still open, besides the public ones.
ENROLMENT_ENDPOINTS = {"accounts.two_factor_settings", "accounts.logout", "static"}


@bp.before_app_request
def require_second_factor():
    """Where TWO_FACTOR_REQUIRED is on, staff and partner accounts reach nothing but the
    enrolment page, sign-out and the public pages until their second factor is set up (the
    enrolment page says why)."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "access_rule", None) == PUBLIC and request.method == "GET":
        return None
    if two_factor.must_enrol(current_user):
        return redirect(url_for("accounts.two_factor_settings"))
    return None


def _refuse_code(field) -> None:
    """A refused code is not put back in the box: a mistyped recovery code is still a secret."""
    _failed_attempt(current_user.email if current_user.is_authenticated else throttle.attempted_address())
    field.raw_data = []
    field.data = ""
    field.errors.append(_("The code is not correct, or it has already been used. Please enter the code your app "
                          "shows now."))
