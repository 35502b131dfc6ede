"""allauth's sign-up and add-an-address forms, open only to the company's people
(`email_may_sign_up`). The password reset and the sign-in code keep allauth's own forms,
which answer alike for any address: they must not tell a stranger who works here, or
who has left."""

from allauth.account.forms import AddEmailForm, SignupForm
from django import forms

from directory.adapters import email_may_sign_up

NOT_FOR_YOU = (
    "Sign-up is for employees in the company directory: use your work email address, "
    "or ask your programme admin to add you to the directory."
)


def _company_only(email: str) -> str:
    if email and not email_may_sign_up(email):
        raise forms.ValidationError(NOT_FOR_YOU)
    return email


class CompanySignupForm(SignupForm):
    def clean_email(self) -> str:
        return _company_only(super().clean_email())


class CompanyAddEmailForm(AddEmailForm):
    def clean_email(self) -> str:
        return _company_only(super().clean_email())
