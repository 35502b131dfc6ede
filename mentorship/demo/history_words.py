"""What people write in a generated engagement: titles, goals, roles, notes, thanks and
advice, with {skill} filled in. Data only (the generator is mentorship.demo.history)."""

TITLES = [
    "{skill}: the first steps",
    "Getting better at {skill}",
    "{skill} for my next project",
    "Learning {skill} from a practitioner",
    "{skill} in practice",
    "A crash course in {skill}",
    "{skill} with real examples",
    "Preparing my first {skill} piece of work",
]
GOALS = [
    ("Understand how {skill} is done here", "I explain our approach back and my mentor agrees"),
    ("Do one piece of {skill} work on my own", "My mentor reviews it and signs it off"),
    ("Know the three mistakes to avoid in {skill}", "I write them down with an example each"),
    ("Lead a {skill} session with my team", "Two teammates say it helped them"),
    ("Build a {skill} checklist for my role", "My manager adopts it for the team"),
    ("Get a second opinion on my {skill} plan", "The plan has one change we agree on"),
]
ROLES = [
    ("shadowing", "Shadow my mentor at work on {skill}, take notes and debrief."),
    ("assisting", "Assist on a live {skill} task and do one part of it myself."),
    ("discussions", "Bring questions about {skill} to each conversation and try things between."),
    ("other", "Review my {skill} work together and rework it after each review."),
]
# (kind, count, minutes each)
ACTIVITIES = [
    ("shadow", 1, 120),
    ("shadow", 2, 90),
    ("interview", 2, 60),
    ("interview", 1, 45),
    ("discussion", 3, 45),
    ("discussion", 4, 30),
    ("review", 1, 90),
    ("review", 2, 60),
    ("working", 1, 180),
    ("working", 2, 120),
]
MEETING_NOTES = [
    "Went through an example end to end.",
    "Debriefed what I tried since last time.",
    "Shadowed a real session; lots of notes.",
    "Reviewed my draft; two things to rework.",
    "Questions answered; next step agreed.",
    "",
]
DECLINE_MESSAGES = {
    "not_now": "Sorry, the next weeks are full for me. Ask me again next quarter?",
    "expertise": "I'm not the best person for this one; someone closer to it would help more.",
    "capacity": "My mentoring slots are all taken at the moment.",
    "other": "I'd rather not take this on right now, sorry.",
}
CANCEL_REASONS = [
    "Change of priorities on my team.",
    "I moved to a new role and this no longer fits.",
    "Long leave coming up; better to stop cleanly.",
    "We could not find the time; we will start afresh later.",
]
THANKS = [
    "Thank you, this changed how I approach {skill}.",
    "Thanks for your time and the honest feedback!",
    "Really grateful; I now know where to go next with {skill}.",
    "Thank you. The examples you showed me were exactly what I needed.",
]
NEXT_AREAS = [
    "{skill} at a larger scale",
    "Teaching {skill} to others",
    "{skill} with senior stakeholders",
    "The next level of {skill}",
]
