"""Issue 23 item 7: a criteria rule stands where the source has it — before its list when it
introduces it ("Minst två av följande ska vara uppfyllda:"), after it when it sums up ("Minst
fyra av ovanstående …") — the same in the PDF, DOCX, HTML, checklist and pocket card."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from builder.options import BuildOptions
from builder.publish.run import run_build

REGIONER = Path(__file__).parent / "fixtures" / "regioner"
FIRST = "Patienten är 75 år eller äldre"
LAST = "Patienten har tio eller fler läkemedel"
RULES = {
    "efter": ("Minst fyra av ovanstående sex kriterier ska vara uppfyllda för inskrivning.",
              "after"),
    "fore": ("Minst fyra av följande ska vara uppfyllda:", "before"),
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for name, (rule, _) in RULES.items():
        root = tmp_path_factory.mktemp(name)
        library = root / "routines"
        (library / "kriterier").mkdir(parents=True)
        shutil.copy(REGIONER / "organisation.yaml", library)
        text = (REGIONER / "kriterier" / "samverkansrutin.yaml").read_text(encoding="utf-8")
        text = text.replace("Minst fyra av ovanstående sex kriterier ska vara uppfyllda för "
                            "inskrivning.", f'"{rule}"')
        (library / "kriterier" / "samverkansrutin.yaml").write_text(text, encoding="utf-8")
        output = root / "output"
        result = run_build(library, BuildOptions(
            output=output, jobs=1, quiet=True, today=dt.date(2026, 11, 20), sign=False,
            formats=("pdf", "docx", "html", "checklista", "fickkort")))
        assert [d.format_text() for d in result.diagnostics if d.is_error] == []
        folders[name] = output / "kriterier-mobil-narvard" / "kriterier-mobil-narvard"
    return folders


def _text(folder: Path, suffix: str) -> str:
    path = next(p for p in folder.iterdir() if p.name.endswith(suffix)
                and re.search(r"-v[\d.]+" + re.escape(suffix) + "$", p.name))
    if suffix.endswith(".pdf"):
        return _squash(" ".join(page.extract_text() for page in PdfReader(path).pages))
    if suffix == ".docx":
        return _squash(" ".join(p.text for p in docx.Document(str(path)).paragraphs))
    return _squash(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".html", "-checklista.pdf",
                                    "-fickkort.pdf"])
def test_rule_stands_on_the_same_side_of_its_list_everywhere(built: dict[str, Path], name: str,
                                                             suffix: str) -> None:
    rule, side = RULES[name]
    text = _text(built[name], suffix)
    start = rule.split(" ska ")[0]  # "Minst fyra av ovanstående sex kriterier"
    assert text.count(start) == 1, f"{suffix}: the rule is stated once"
    first = text.find(FIRST.split(" eller")[0])
    last = text.find(LAST.split(" eller")[0])
    here = text.find(start)
    assert -1 not in (first, last, here), suffix
    assert (here < first) if side == "before" else (here > last), f"{name} {suffix}"
