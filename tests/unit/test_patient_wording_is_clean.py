"""The bundled knowledge base's patient wording is read to patients: the claims checker,
run with the bundled rules, must find no red flag in any of it (a cell that reads like an
advert is either wrong or a rule is too broad)."""
from __future__ import annotations

from claims_helpers import checker, draft


def _plain_cells() -> list[tuple[str, str]]:
    out = []
    for tab in draft()["tab"]:
        for therapy, rows in tab.get("cell", {}).items():
            for row, cell in rows.items():
                if isinstance(cell, dict) and cell.get("plain"):
                    out.append((f"{tab['id']}.{therapy}.{row}", cell["plain"]))
    return out


def test_every_patient_wording_cell_is_free_of_red_flags():
    cells = _plain_cells()
    assert len(cells) >= 40
    flagged = [(where, [f.text for f in checker().check(text)]) for where, text in cells]
    assert [f for f in flagged if f[1]] == []
