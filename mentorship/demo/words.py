"""The demo company's vocabulary: departments and their skills, roles, places, names and
bios. Data only."""

DEPARTMENTS = {
    "Engineering": [
        "Python",
        "Django",
        "Kubernetes",
        "PostgreSQL",
        "System design",
        "Security",
        "Testing",
        "Go",
        "React",
        "Machine learning",
        "Data engineering",
        "AWS",
        "Observability",
        "Incident management",
    ],
    "Sales": [
        "Negotiation",
        "Account management",
        "Enterprise sales",
        "Prospecting",
        "Presentation skills",
        "Salesforce",
        "Pricing",
    ],
    "Marketing": [
        "Content strategy",
        "SEO",
        "Brand strategy",
        "Product marketing",
        "Analytics",
        "Copywriting",
        "Events",
    ],
    "Product": [
        "Product management",
        "User research",
        "Roadmapping",
        "Data analysis",
        "UX design",
        "Prioritisation",
    ],
    "Customer Success": [
        "Customer onboarding",
        "Negotiation",
        "Account management",
        "Public speaking",
        "Escalation handling",
    ],
    "Finance": [
        "Financial modelling",
        "Budgeting",
        "Forecasting",
        "Excel",
        "Negotiation",
        "Pricing",
    ],
    "People": [
        "Coaching",
        "Hiring",
        "Facilitation",
        "Conflict resolution",
        "Public speaking",
        "Performance reviews",
    ],
    "Operations": [
        "Project management",
        "Process improvement",
        "Vendor management",
        "Negotiation",
        "Procurement",
    ],
}
COMMON_SKILLS = [
    "Leadership",
    "Public speaking",
    "Writing",
    "Stakeholder management",
    "Negotiation",
    "Giving feedback",
    "Time management",
]
DEPARTMENT_WEIGHTS = {
    "Engineering": 30,
    "Sales": 15,
    "Marketing": 10,
    "Product": 10,
    "Customer Success": 12,
    "Finance": 8,
    "People": 6,
    "Operations": 9,
}
ROLES = {
    "Engineering": "Software Engineer",
    "Sales": "Account Executive",
    "Marketing": "Marketing Manager",
    "Product": "Product Manager",
    "Customer Success": "Customer Success Manager",
    "Finance": "Financial Analyst",
    "People": "People Partner",
    "Operations": "Operations Manager",
}
LEVEL_PREFIX = {1: "Associate", 2: "", 3: "", 4: "Senior", 5: "Lead", 6: "Principal"}
LOCATIONS = {
    "London": "Europe/London",
    "Berlin": "Europe/Berlin",
    "Lisbon": "Europe/Lisbon",
    "New York": "America/New_York",
    "Toronto": "America/Toronto",
    "Singapore": "Asia/Singapore",
}
FIRST_NAMES = """
Aisha Alex Amara Ana Andrei Arjun Ben Carlos Chloe Dana David Diego Elena Emma Ahmed Akira
Alice Anders Anika Ayo Bea Bruno Camila Chidi Clara Dev Dmitri Eli Esra Ewa Farah Gabriel Hiro
Ida Imani Jack Jin Joao Kemal Lena Leo Lina Luis Malik Marta Milan Nia Nils Oskar Pablo Petra
Quinn Ravi Rina Ruth Selin Simon Tara Theo Tiago Vera Wanda Yuki Zain Aurora Beatriz Fatima
Felix Grace Hana Hugo Ines Isaac Jamal James Jana John Jonas Julia Kai Kenji Laura Leila Liam
Lucas Maria Mateo Maya Mei Mohammed Nadia Noah Nora Olivia Omar Paula Rafael Rosa Sam Sara
Sofia Tariq Tom Uma Victor Wei Yara Yusuf Zoe Zara Ivan
""".split()
LAST_NAMES = """
Adams Ahmed Almeida Becker Brown Campbell Chen Costa Dubois Evans Fischer Garcia Gomez Hansen
Hoffmann Ibrahim Ito Jensen Johnson Kaur Khan Kim Kowalski Lee Lopez Martin Meyer Mendes Moreau
Murphy Nakamura Nguyen Novak Oliveira Perez Rossi Santos Schmidt Silva Singh Smith Sousa Tanaka
Taylor Thomas Wagner Walker Wang Weber Williams Wilson Wong Yilmaz Young Zhang Andersen Baker
Bianchi Castro Chowdhury Cruz Das Diaz Eriksson Ferreira Fraser Greco Gupta Haddad Hughes Igwe
Jovanovic Kovacs Larsen Lindqvist Mahlangu Moreno Mwangi Nielsen Okoye Osei Park Patel Petrov
Popescu Quinn Ramos Reyes Richter Sato Sharma Suzuki Torres Varga Vieira Volkov
""".split()
BIO_OPENERS = [
    "I help teams get better at {a} and {b}.",
    "Ask me about {a}; lately I have been deep in {b}.",
    "Years of {a} taught me most of what I know; happy to share it, and {b} too.",
    "I enjoy explaining {a} to people new to it. Currently learning more about {c}.",
]
