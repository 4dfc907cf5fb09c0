#!/usr/bin/env python3
"""Checks a skill folder's SKILL.md front matter against the Agent Skills rules; exit 1 on any problem."""
import re
import sys
from pathlib import Path


def check(folder: Path) -> list:
    skill = folder / "SKILL.md"
    if not skill.is_file():
        return [f"{skill}: missing"]
    lines = skill.read_text(encoding="utf-8").split("\n")
    if not lines or lines[0].strip() != "---":
        return [f"{skill}:1: must start with a '---' line"]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return [f"{skill}:1: front matter not closed with '---'"]
    fields = {}
    for i, line in enumerate(lines[1:end], start=2):
        m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
        if m:
            fields[m.group(1)] = (m.group(2).strip().strip('"'), i)
    problems = []
    name, line = fields.get("name", ("", 2))
    if not name:
        problems.append(f"{skill}:2: name is missing")
    elif not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) or len(name) > 64:
        problems.append(f"{skill}:{line}: name '{name}' must be lowercase letters, digits and single hyphens (max 64)")
    elif name != folder.name:
        problems.append(f"{skill}:{line}: name '{name}' differs from the folder '{folder.name}'")
    description, line = fields.get("description", ("", 2))
    if not description:
        problems.append(f"{skill}:2: description is missing")
    elif len(description) > 1024:
        problems.append(f"{skill}:{line}: description longer than 1024 characters")
    return problems


if __name__ == "__main__":
    found = check(Path(sys.argv[1]))
    for p in found:
        print(p)
    print("ok" if not found else f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
