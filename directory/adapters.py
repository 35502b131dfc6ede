import ipaddress
import smtplib

import structlog
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest
from django.utils.http import urlencode

from directory.logins import TIME_ZONE_SESSION_KEY, link_or_create_employee, logins_follow
from directory.models import Employee

logger = structlog.get_logger(__name__)
# In the session when an account email (a confirmation link, a password reset) could not
# be sent: the page that would say "check your email" says so instead, once.
MAIL_NOT_SENT = "account_mail_not_sent"
UNKNOWN_ACCOUNT = "account/email/unknown_account"
RESET = "account/email/password_reset_key"


def in_directory(email: str) -> bool | None:
    """Whether the directory has this address as someone here (True), someone who left
    (False), or not at all (None)."""
    known = Employee.objects.filter(email__iexact=email.strip()).values_list("is_active")
    match list(known):
        case [(active,)]:
            return active
    return None


def email_may_sign_up(email: str) -> bool:
    """Imported employees, and anyone at one of the company's domains, unless the
    directory says they left (active = no)."""
    here = in_directory(email)
    if here is not None:
        return here
    return email.strip().lower().rpartition("@")[2] in settings.COMPANY_DOMAINS


def client_address(
    remote_addr: str,
    forwarded_for: str,
    trusted_proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str:
    """The client's address, for rate limits: REMOTE_ADDR, unless that is one of our
    proxies. Then X-Forwarded-For is read from the right, where our proxies append, and
    the first address that is not a proxy of ours is the client; anything further left
    the client may have written itself."""
    client = remote_addr
    for hop in [remote_addr, *reversed(forwarded_for.split(","))]:
        try:
            address = ipaddress.ip_address(hop.strip())
        except ValueError:
            break  # not written by a proxy of ours: the hop before it is the best we know
        client = str(address)
        if not any(address in network for network in trusted_proxies):
            break
    return client


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "That email address and password don't match.",
        "too_many_login_attempts": (
            "Too many failed login attempts. Wait a few minutes and try again, "
            "or reset your password."
        ),
        "rate_limited": "That was a lot of requests in a short time. Try again in a minute.",
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own answer is REMOTE_ADDR, as no ALLAUTH_TRUSTED_* setting is set.
        remote_addr = super().get_client_ip(request)
        forwarded_for = request.headers.get("X-Forwarded-For", "")
        return client_address(remote_addr, forwarded_for, settings.TRUSTED_PROXIES)

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        """The confirmation link carries on where the newcomer was going (an invitation's
        engagement, say): the mail app may open it in a browser without the sign-up's
        session. Only a same-site `next` (allauth's is_safe_url) ever gets into a link."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        if next_url:
            url += "?" + urlencode({"next": next_url})
        return url

    def send_mail(self, template_prefix: str, email: str, context_: dict) -> None:
        """allauth sends its emails during the request. A mail server that is down or
        refuses is not a 500 (the account is saved; a new link can be asked for): it is
        logged, and the page says the email did not go.

        A password reset's mail goes to no one who left (their mailbox may be someone
        else's now), and "no account with this address" only to an address that may
        sign up: not the company's mail server writing to anyone on the internet whose
        address was typed in. The page answers alike whatever happened."""
        if (template_prefix == UNKNOWN_ACCOUNT and not email_may_sign_up(email)) or (
            template_prefix == RESET and in_directory(email) is False
        ):
            logger.info("account_mail_withheld", template=template_prefix)
            return
        try:
            super().send_mail(template_prefix, email, context_)
        except (smtplib.SMTPException, OSError) as error:
            logger.error("account_mail_not_sent", template=template_prefix, error=str(error))
            request = context.request
            if request is not None and hasattr(request, "session"):
                request.session[MAIL_NOT_SENT] = True
                request.account_mail_not_sent = True

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # allauth adds this message exactly when it has sent a verification email.
        if message_template == "account/messages/email_confirmation_sent.txt":
            if getattr(request, "account_mail_not_sent", False):
                return  # it was not: the next page says so
            request.verification_email_sent = True
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def respond_email_verification_sent(self, request: HttpRequest, user):
        sent = getattr(request, "verification_email_sent", False)
        if not sent and not getattr(request, "account_mail_not_sent", False):
            # allauth's cooldown held the email back, silently: the link in the email
            # sent a moment ago still works, so say that instead of "we sent you one".
            self.add_message(request, messages.INFO, "account/messages/email_already_sent.txt")
        return super().respond_email_verification_sent(request, user)

    def pre_login(self, request: HttpRequest, user, **kwargs):
        """Someone the directory says left (active = no) is not signed in, whatever way
        they came (password, a confirmation link, single sign-on), even if their login
        was not closed when they left (directory.logins.logins_follow closes it now)."""
        if user.is_active and user.pk is not None:
            email = (user.email or "").lower()
            people = list(Employee.objects.filter(Q(user=user) | Q(email__iexact=email)))
            if people and not any(person.is_active for person in people):
                logins_follow(people)
                user.is_active = False
        return super().pre_login(request, user, **kwargs)

    def login(self, request: HttpRequest, user) -> None:
        super().login(request, user)
        employee = link_or_create_employee(user)
        if employee:
            request.session[TIME_ZONE_SESSION_KEY] = employee.time_zone


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """Single sign-on opens an account only for an imported employee, matched by an
        address the company's provider says it verified (email_verified). Anyone else is
        refused; a person who already has a login is signed in to it instead (allauth's
        SOCIALACCOUNT_EMAIL_AUTHENTICATION, for verified addresses only)."""
        email = (sociallogin.user.email or "").strip().lower()
        verified = any(
            address.verified and address.email.strip().lower() == email
            for address in sociallogin.email_addresses
        )
        people = Employee.objects.filter(email__iexact=email, is_active=True)
        return bool(email) and verified and people.exists()
