"""Expected findings written inside fixture files, and the fixture cases under `fixtures/`.

Grammar (in YAML comments):
  `# expect: BL101`                 a finding of BL101 on this line
  `# expect: BL101@37 "not declared"` ... at column 37, whose message contains the text
  `# expect[+1]: BL101` / `# expect[-2]: ...`   on the line 1 below / 2 above
  several expectations in one comment are separated by `;`
Header comment (any line): `# barrierlint-test: select=BL101,BL102 ignore=BL702 inputs=values.yaml`.
A fixture is a `.yaml` file, or a folder checked as one repository (multi-file cases). Its
rules default to the code of the folder it sits in (`fixtures/BL101/...` runs BL101 only).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_EXPECT = re.compile(r"#\s*expect(?:\[([+-]\d+)\])?:\s*(.+)$")
_ONE = re.compile(r'^(BL\d{3})(?:@(\d+))?(?:\s+"([^"]*)")?$')
_HEADER = re.compile(r"#\s*barrierlint-test:\s*(.+)$")


@dataclass(frozen=True)
class Expected:
    path: str  # relative to the fixture root
    line: int
    code: str
    column: int | None = None
    text: str | None = None


@dataclass
class Case:
    name: str
    root: Path  # the file, or the folder of a multi-file case
    expected: list[Expected] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def select(self) -> list[str]:
        if "select" in self.options:
            return self.options["select"].split(",")
        code = self.name.split("/", 1)[0]
        return [code] if re.fullmatch(r"BL\d{3}", code) else ["ALL"]

    @property
    def ignore(self) -> list[str]:
        return self.options["ignore"].split(",") if "ignore" in self.options else []

    @property
    def inputs(self) -> list[str]:
        """`inputs=a.yaml,b.yaml`: input sets (paths inside the case folder) given with --inputs."""
        base = self.root if self.root.is_dir() else self.root.parent
        return [str(base / name) for name in self.options["inputs"].split(",")] if "inputs" in self.options else []


def parse_file(path: Path, relative: str, case: Case) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        header = _HEADER.search(line)
        if header:
            for option in header.group(1).split():
                key, _, value = option.partition("=")
                case.options[key] = value
        match = _EXPECT.search(line)
        if not match:
            continue
        offset = int(match.group(1) or 0)
        for part in match.group(2).split(";"):
            one = _ONE.match(part.strip())
            if not one:
                raise ValueError(f"{path}:{number}: cannot read expectation '{part.strip()}'")
            code, column, text = one.groups()
            case.expected.append(Expected(relative, number + offset, code, int(column) if column else None, text))


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "fixes"):  # fixes/: before and after
        for entry in sorted(folder.iterdir()):
            name = f"{folder.name}/{entry.name}"
            case = Case(name, entry)
            if entry.is_dir():
                for file in sorted(entry.rglob("*")):
                    if file.suffix in (".yaml", ".yml") and file.is_file():
                        parse_file(file, os.path.relpath(file, entry), case)
            elif entry.suffix in (".yaml", ".yml"):
                parse_file(entry, entry.name, case)
            else:
                continue
            found.append(case)
    return found
