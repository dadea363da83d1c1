"""JSON output of a long report (issue 14, speed): a list of hundreds of findings is
written one compact item per line (json's C encoder), the same data as before; small
payloads stay indented exactly as json.dumps(indent=2) writes them."""
from __future__ import annotations

import json

from consultui.cli.output import write_json


def test_a_long_list_is_one_item_per_line_and_the_same_data(capsys):
    payload = {"version": 2, "results": [{"path": "a.txt", "findings": [
        {"rule": "r", "start": n, "text": "caf\u00e9 \"x\"", "refs": ["A"]} for n in range(300)]}]}
    write_json(payload)
    out = capsys.readouterr().out
    assert json.loads(out) == payload
    lines = out.splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith('{"rule"')) == 300
    assert len(lines) < 320


def test_a_small_payload_is_indented_as_before(capsys):
    payload = {"version": 2, "results": [{"path": "a.txt", "findings": [{"rule": "r", "refs": ["A"]}]}]}
    write_json(payload)
    assert capsys.readouterr().out == json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
