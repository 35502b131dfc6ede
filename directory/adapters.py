from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.http import HttpRequest

from directory.logins import TIME_ZONE_SESSION_KEY, link_or_create_employee
from directory.models import Employee


def email_may_sign_up(email: str) -> bool:
    """Imported employees, and anyone at one of the company's domains."""
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    return (
        domain in settings.COMPANY_DOMAINS or Employee.objects.filter(email__iexact=email).exists()
    )


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if not email_may_sign_up(email):
            raise forms.ValidationError(
                "Sign-up is for employees: use your work email address, or ask your "
                "programme admin to add you to the directory."
            )
        return email

    def login(self, request: HttpRequest, user) -> None:
        super().login(request, user)
        employee = link_or_create_employee(user)
        if employee:
            request.session[TIME_ZONE_SESSION_KEY] = employee.time_zone


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return email_may_sign_up(sociallogin.user.email or "")
