"""Proposing: the draft form (goals, role, activities, dates, peers), propose, withdraw,
delete, follow-on."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from directory.http import form_action
from directory.logins import current_employee
from directory.skills import skills_in_text
from engagements import proposals, transitions
from engagements.access import engagement_for
from engagements.matching import Suggestion, suggest_mentors, suggest_peers
from engagements.models import Engagement, Event, Program, TransitionError
from engagements.proposal_forms import AskAgainForm, ProposalForms


@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    me = current_employee(request)
    engagement = None
    if pk is not None:
        access = engagement_for(request, pk, action="edit")
        if not access.can.edit:
            raise Http404("Only drafts can be edited.")
        engagement = access.engagement
    program = engagement.program if engagement else Program.default()
    # In the page's address, then in its form (a hidden field), so a redraw without
    # JavaScript still says what it copies; its data prefill only the first GET.
    # (Not for an htmx redraw of a part: it draws neither the heading nor the data.)
    redraws_a_part = request.htmx and request.method == "POST"
    again = proposal_to_ask_again(request) if pk is None and not redraws_a_part else None
    page = ProposalForms.from_request(
        request, program=program, me=me, engagement=engagement, asked_again=again
    )
    if page.redraw:
        partial = page.partial if request.htmx else None
        return render_proposal(
            request, page, partial=partial, engagement=engagement, asked_again=again
        )
    refused = {}
    if page.submitting and page.proposing:
        # Say everything at once: the rules too, for what was typed correctly, and
        # before saving (a draft without a mentor would stop at that alone).
        refused = proposals.check_proposal(
            page.as_proposal(), protege=me, program=program, today=program.today()
        )
        page.add_rule_errors(refused)
    if page.submitting and page.is_valid() and not refused:
        data = page.as_proposal()
        try:
            # One transaction: a refused proposal leaves the draft as it was (the page
            # shows what was typed, with the reasons).
            with transaction.atomic():
                saved = proposals.save_draft(data, protege=me, engagement=engagement)
                if page.proposing:
                    proposals.propose(saved, by=me)
        except proposals.ProposalError as exc:
            # The page stays what it was: a new proposal is not the draft rolled back
            # with the refusal (its id no longer exists, or later is someone else's).
            page.add_rule_errors(exc.errors)
        else:
            engagement = saved
            if page.proposing:
                messages.success(request, f"Proposed to {data.mentor.full_name}. You'll hear here.")
            else:
                messages.success(request, "Draft saved. Propose it when it is ready.")
            return redirect(engagement)
    return render_proposal(request, page, engagement=engagement, asked_again=again)


def proposal_to_ask_again(request: HttpRequest) -> Engagement | None:
    """`/engagements/new/?from=<pk>`: a proposal of mine that went nowhere, to prefill a
    new one from ("Propose this to someone else"). No `from`, or garbage in it, is none;
    any other engagement is a 404, as engagements are to those who may not see them."""
    form = AskAgainForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid() or form.cleaned_data["from"] is None:
        return None
    access = engagement_for(request, form.cleaned_data["from"])
    if not access.is_protege or access.engagement.state not in proposals.ASKED_IN_VAIN:
        raise Http404("Only a proposal of yours that went nowhere can be asked again.")
    return access.engagement


def render_proposal(
    request: HttpRequest,
    page: ProposalForms,
    *,
    partial: str | None = None,
    engagement=None,
    asked_again: Engagement | None = None,
) -> HttpResponse:
    context = {
        "page": page,
        "form": page.form,
        "goals": page.goals,
        "activities": page.activities,
        "program": page.program,
        "engagement": engagement,
        "asked_again": asked_again,
        # Why it went nowhere, as it was then (an expiry may be someone leaving).
        "asked_again_left": Event.who_left(asked_again.pk) if asked_again else "",
        # Redraws post here; the chosen mentor travels in the form, not the URL.
        "form_url": reverse("engagements:edit", args=[engagement.pk])
        if engagement
        else reverse("engagements:new"),
        "budget_minutes": page.budget_minutes(),
        "mentor_candidates": page.mentor_candidates(),
        "peer_candidates": page.peer_candidates(),
        "chosen_mentor": next(iter(page.chosen_ids("mentor")), ""),
        "chosen_peers": page.chosen_ids("peers"),
        # As many peers as a proposal takes: no more Invite buttons (untick one first).
        "peers_full": len(page.chosen_ids("peers")) >= page.program.max_peers,
        # A search that found nobody says so, instead of showing nothing.
        "mentor_unmatched": page.unmatched("mentor_q"),
        "peer_unmatched": page.unmatched("peer_q"),
        # Each ranking only for the parts that show it (see RANKED).
        **suggestions_for(page, *RANKED.get(partial, ())),
        "notice": page.notice,
        "rule_errors": page.rule_errors,
        # The goal's words redraw the mentor suggestions and, out of band, the mentor
        # section and the peers.
        "oob": partial == "suggestions",
    }
    template = "engagements/propose.html"
    if partial == "suggestions":
        return render(request, f"{template}#goal-words", context)
    return render(request, f"{template}#{partial}" if partial else template, context)


# The rankings each part of the page shows, by the part redrawn (None: the whole page).
# The goal's words redraw both; "Who can help" says whether there are mentors to pick
# above, so a search in it ranks the mentors, and one for peers the peers; the budget
# redraw, run as a count is typed, neither.
RANKED = {
    None: ("mentors", "peers"),
    "suggestions": ("mentors", "peers"),
    "mentor": ("mentors",),
    "peers": ("peers",),
}


def suggestions_for(page: ProposalForms, *ranked: str) -> dict:
    """Mentors and/or peers for what the goals are about (shown without JS too)."""
    if not ranked:
        return {}
    text = page.goal_text()
    skills = skills_in_text(text)
    mentor = page.typed.get("mentor")
    found = {"text": text, "skills": skills}
    if "mentors" in ranked:
        mentors = suggest_mentors(page.me, skills, today=page.program.today())
        # The chosen mentor leads the list as the choice, with their reasons when they
        # rank for these words and without when they no longer do: new words never drop
        # a choice.
        chosen = next((s for s in mentors if s.person == mentor), None)
        if mentor and chosen is None:
            chosen = Suggestion(mentor, [])
        found |= {
            "chosen_suggestion": chosen,
            # Their radio is the one under "Who can help": one radio a person, so what
            # the page shows checked is what the form sends.
            "suggestions": [s for s in mentors if s.person != mentor],
            "pick": True,
        }
    if "peers" in ranked:
        chosen_peers = page.chosen_ids("peers")
        peers = suggest_peers(page.me, skills, mentor=mentor)
        found["peer_suggestions"] = [s for s in peers if str(s.person.pk) not in chosen_peers]
    return found


@form_action(back="engagements:detail")
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="propose")
    try:
        proposals.propose(access.engagement, by=access.me)
    except proposals.ProposalError as exc:
        messages.error(request, f"Not proposed yet: {exc}")
        return redirect("engagements:edit", pk=pk)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Proposed to {access.engagement.mentor.full_name}.")
    return redirect(access.engagement)


@form_action(back="engagements:detail")
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="withdraw")
    try:
        transitions.withdraw(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Proposal withdrawn. The mentor has been told.")
    return redirect(access.engagement)


@form_action(back="engagements:detail")
def delete_draft(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="delete")
    try:
        proposals.delete_draft(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(access.engagement)
    messages.success(request, "Draft deleted.")
    return redirect("engagements:home")


@form_action(back="engagements:detail")
def follow_on(request: HttpRequest, pk: int) -> HttpResponse:
    access = engagement_for(request, pk, action="follow_on")
    try:
        draft, new = proposals.start_follow_on(access.engagement, by=access.me)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(access.engagement)
    if new:
        messages.success(request, "A follow-on draft, prefilled from the last engagement.")
    else:
        messages.info(request, "Your follow-on draft, as you left it.")
    return redirect("engagements:edit", pk=draft.pk)
