"""Sign up, verify, log in and out, reset a password, edit one's profile."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import operations
from portal.accounts.forms import (ChangePasswordForm, ForgotPasswordForm, LoginForm, ProfileForm,
                                   ResetPasswordForm, SignUpForm)
from portal.accounts.models import User
from portal.core.extensions import db, limiter, login_manager
from portal.core.forms import keep_input
from portal.core.i18n import current_locale
from portal.core.permissions import access, may, public
from portal.core.security import form_view
from portal.selfcheck import answers as selfcheck_answers

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _login_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]



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
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_login_key,
               deduct_when=lambda response: response.status_code != 302)
@limiter.limit("60 per hour", methods=["POST"])
@form_view
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for("core.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            # A fresh session on sign-in (no fixation), keeping only the visitor's chosen language
            # and self-check answers (both theirs, and checked again wherever they are read).
            kept = {key: session[key] for key in ("lang", selfcheck_answers.SESSION_KEY) if session.get(key)}
            session.clear()
            session.update(kept)
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("organisations.mine") if may(user, "applicant")
                                       else url_for("core.home")))
        form.password.errors.append(_("The e-mail address or the password is not correct."))
    return render_template("accounts/login.html", form=form), form.status_code


@bp.post("/logout")
@public
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.home"))


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
    form = ResetPasswordForm()
    if form.validate_on_submit():
        operations.set_password(user, form.password.data, via_link=True)
        db.session.commit()
        flash(_("Your password has been set. Please sign in."), "success")
        logout_user()
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
@form_view
@access("signed_in")
def change_password():
    form = ProfileForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        if current_user.check_password(password_form.current_password.data):
            operations.set_password(current_user, password_form.password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
        password_form.current_password.errors.append(_("The current password is not correct."))
    return render_template("accounts/profile.html", form=form, password_form=password_form), \
        password_form.status_code

