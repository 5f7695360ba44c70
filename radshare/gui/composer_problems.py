"""How the composer words the reasons a post is held back: image numbers as the list shows them,
one line per reason. Plain text functions, no Qt."""

from __future__ import annotations

import re


def renumber(problem: str, rows: list[int]) -> str:
    """A problem about "image N" (N counted among the chosen images, as the gate and the target
    count them) named as the list names it: "Image 6" stays image 6 even when it is the 2nd chosen."""

    def listed(match: re.Match[str]) -> str:
        number = int(match.group(2))
        return f"{match.group(1)}{rows[number - 1] + 1 if 0 < number <= len(rows) else number}"

    return re.sub(r"\b(image )(\d+)\b", listed, problem)


def merge_problems(problems: list[str]) -> list[str]:
    """"image 1: X", "image 2: X" -> "images 1, 2: X" (the same reason once, not per image)."""
    merged: dict[str, list[str]] = {}
    for problem in problems:
        match = re.match(r"^image (\d+)(:? )(.*)$", problem)
        key = f"{match.group(2)}{match.group(3)}" if match else problem
        merged.setdefault(key, [])
        if match:
            merged[key].append(match.group(1))
    return [_numbered(key, sorted(numbers, key=int)) for key, numbers in merged.items()]


def _numbered(reason: str, numbers: list[str]) -> str:
    if not numbers:
        return reason
    if len(numbers) == 1:
        return f"image {numbers[0]}{reason}"
    return f"images {', '.join(numbers)}{reason.replace(' has ', ' have ', 1)}"
