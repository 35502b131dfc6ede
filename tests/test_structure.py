"""The shape the code keeps: the directory is the ground floor, and no two apps import
each other. Read from the source, so a new import that breaks it fails here."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["directory", "engagements", "mentorship", "reports"]
# Who may import whom: a lower floor never imports a higher one.
# Nothing imports the reports: they read the other apps, top floor.
FLOOR = {"directory": 0, "engagements": 1, "mentorship": 2, "reports": 3}


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every module this file imports (top-level and function-local), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def app_sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_the_directory_imports_nothing_from_engagements():
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in app_sources("directory")
        for module, line in imports_of(path)
        if module.split(".")[0] in ("engagements", "mentorship")
    ]
    assert offending == []


def test_no_app_imports_a_higher_floor_so_there_is_no_circle_between_apps():
    arrows = set()
    for app in APPS:
        for path in app_sources(app):
            for module, _ in imports_of(path):
                target = module.split(".")[0]
                if target in FLOOR and target != app:
                    arrows.add((app, target))
    upward = sorted(a for a in arrows if FLOOR[a[1]] > FLOOR[a[0]])
    assert upward == [], f"imports that run back up: {upward}"
    circles = sorted(a for a in arrows if (a[1], a[0]) in arrows)
    assert circles == []


def test_no_import_hides_inside_a_function():
    """Function-local imports exist to dodge circles; there are none to dodge."""
    local = []
    for app in APPS:
        for path in app_sources(app):
            tree = ast.parse(path.read_text())
            for func in ast.walk(tree):
                if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    for node in ast.walk(func):
                        if isinstance(node, ast.Import | ast.ImportFrom):
                            local.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert local == []


def test_the_demo_seeder_is_not_on_a_production_import_path():
    production = [
        path
        for app in APPS
        for path in app_sources(app)
        if "demo" not in path.parts and "management" not in path.parts
    ]
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in production
        for module, line in imports_of(path)
        if module.startswith("mentorship.demo.")
    ]
    assert offending == []


def test_modules_stay_small():
    """Split by resource once a module passes a few hundred lines."""
    big = {
        str(path.relative_to(ROOT)): n
        for app in APPS
        for path in app_sources(app)
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert big == {}
