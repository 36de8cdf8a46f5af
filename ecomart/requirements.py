"""A previewed program's own dependencies against this environment's.

``ecomart preview --program`` runs the program in this project's virtualenv: it does not install the program's
``requirements.txt`` (a preview must not change the machine, and a per-program environment would pull a second
pulumi and provider set of several hundred MB). Instead it reads the file, and

- before the run, warns when the program pins another **major** of a package installed here (a program written
  for pulumi-aws 6 uses arguments 7 renamed or removed), naming both versions;
- when the program fails to import a module, names the requirement that provides it and the command that adds
  it; when it fails on an unexpected keyword, adds the major-version hint to the one-line error.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class Pinned:
    requirement: Requirement
    installed: str | None  # this environment's version, None when not installed

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    def other_major(self) -> bool:
        """The program's specifier excludes every release of the installed major (``<7`` when 7.x is here)."""
        if self.installed is None or not self.requirement.specifier:
            return False
        try:
            here = Version(self.installed)
        except InvalidVersion:
            return False
        spec = self.requirement.specifier
        return here not in spec and not any(
            Version(f"{here.major}.{minor}.{patch}") in spec for minor in range(200) for patch in (0, 9999)
        )

    def describe(self) -> str:
        return f"{self.requirement} (installed here: {self.installed or 'not installed'})"


def read(directory: Path) -> list[Pinned]:
    """The program's requirements.txt (``-r``/options and unparsable lines skipped), each with what is installed."""
    path = Path(directory) / "requirements.txt"
    if not path.is_file():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        try:
            installed: str | None = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            installed = None
        out.append(Pinned(req, installed))
    return out


def other_majors(pins: list[Pinned]) -> list[Pinned]:
    return [p for p in pins if p.other_major()]


def major_hint(others: list[Pinned]) -> str:
    """One sentence for the error line about the pins of another major (``other_majors``), or ``""``."""
    if not others:
        return ""
    return (
        "; the program pins another major than this environment has: "
        + ", ".join(p.describe() for p in others)
        + " - arguments are renamed or removed between majors"
    )


def missing_module_hint(module: str, pins: list[Pinned]) -> str:
    """What provides ``module`` and how to add it (the distribution named like the module, ``_`` as ``-``)."""
    top = module.split(".")[0]
    wanted = canonicalize_name(top)
    match = next((p for p in pins if p.name == wanted or p.name.replace("-", "_") == top), None)
    spec = str(match.requirement) if match else wanted
    where = " (the program's requirements.txt lists it)" if match else ""
    return f"; this environment lacks {spec}{where}: add it with `{_python()} -m pip install '{spec}'`"


def _python() -> str:
    """This environment's interpreter, as a user would type it from here."""
    import os
    import sys

    rel = os.path.relpath(sys.executable)
    return rel if not rel.startswith("..") else sys.executable
