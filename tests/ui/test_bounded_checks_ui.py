"""The Claims section says when a check stopped early (issue 11, item 4)."""
from __future__ import annotations

from textual.widgets import Static

from consultui.kb.load import load_for_app
from consultui.ui.app import ConsultApp
from consultui.ui.claims import ClaimsEditor, ClaimsSection
from conftest import KB_FIXTURES
from waiting import wait_until

HOSTILE_RULE = ('\n[[rule]]\nid = "hostile"\ncategory = "miracle-cure"\nseverity = "low"\n'
                'patterns = ["# ...3 # ...3 # ...3 nope"]\nmessage = "m"\nsuggestion = "s"\nrefs = ["REF-B"]\n'
                'examples = ["1 2 3 4 5 6 nope"]\nnear_misses = ["nope"]\n')


async def test_a_check_over_its_budget_says_where_it_stopped(tmp_path):
    kb = tmp_path / "kb.toml"
    kb.write_text((KB_FIXTURES / "minimal.toml").read_text(encoding="utf-8") + HOSTILE_RULE, encoding="utf-8")
    app = ConsultApp(load_for_app(kb))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f4")
        app.query_one(ClaimsEditor).load_text(" ".join(str(n % 97) for n in range(8000)) + "\nGuaranteed results nope")
        section = app.query_one(ClaimsSection)
        await wait_until(pilot, section.is_settled, what="the check of the pasted text")
        summary = str(app.query_one("#claims-summary", Static).render())
        assert "stopped early at line 1" in summary
