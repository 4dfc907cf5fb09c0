#!/usr/bin/env python3
"""Deterministic Markdown formatting for the writing pipeline: the same input always gives the same output.

Trailing spaces removed, '*' and '+' bullets become '-', a blank line before and after headings,
at most one blank line in a row, '#' headings get one space, and the file ends with one newline.
Usage: format_markdown.py INPUT OUTPUT
"""
import re
import sys


def format_markdown(text: str) -> str:
    out = []
    in_code = False
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if line.startswith("```"):
            in_code = not in_code
            out.append(line)
            continue
        if not in_code:
            line = re.sub(r"^(\s*)[*+]\s+", r"\1- ", line)
            line = re.sub(r"^(#{1,6})\s*(\S)", r"\1 \2", line)
            if line.startswith("#"):
                if out and out[-1] != "":
                    out.append("")
                out.append(line)
                out.append("")
                continue
        out.append(line)
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: format_markdown.py INPUT OUTPUT")
    with open(sys.argv[1], encoding="utf-8") as f:
        result = format_markdown(f.read())
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(result)
    print(f"formatted {sys.argv[1]} -> {sys.argv[2]} ({len(result)} characters)")
