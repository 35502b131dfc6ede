"""Signed, expiring links for one-click decisions from email.

A token names the engagement, the mentor and the action; it is signed with the
SECRET_KEY and expires with the proposal. Opening it never acts (mail scanners open
links); the page it shows has the one button that does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core import signing

SALT = "engagements.decision"
ACTIONS = ("accept", "decline")


@dataclass(frozen=True)
class Decision:
    engagement_id: int
    mentor_id: int
    action: str


class BadToken(Exception):
    def __init__(self, reason: str):
        self.reason = reason  # "expired" or "invalid"
        super().__init__(reason)


def make_token(engagement, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    payload = {"e": engagement.pk, "m": engagement.mentor_id, "a": action}
    return signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)


def read_token(token: str, *, max_age_for: Callable[[int], dt.timedelta]) -> Decision:
    """The decision in the token; its lifetime depends on the engagement's programme."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        data = signer.unsign_object(token)
        if not isinstance(data, dict) or data.get("a") not in ACTIONS:
            raise BadToken("invalid")
        signer.unsign_object(token, max_age=max_age_for(int(data["e"])))
    except signing.SignatureExpired:
        raise BadToken("expired") from None
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        raise BadToken("invalid") from None
    return Decision(int(data["e"]), int(data["m"]), data["a"])
