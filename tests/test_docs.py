"""The docs a newcomer reads stay true to the code."""
from __future__ import annotations

import re
from pathlib import Path

from hdf_bench.corruptions import CORRUPTIONS, group_of

ROOT = Path(__file__).resolve().parents[1]


def test_corruptions_doc_lists_every_registered_corruption_with_its_group():
    text = (ROOT / 'docs' / 'CORRUPTIONS.md').read_text()
    rows = dict(re.findall(r'^\| `(\w+)` \| (\w+)', text, flags=re.MULTILINE))
    assert set(rows) == set(CORRUPTIONS), 'run python scripts/corruptions_table.py'
    assert {name: group_of(name) for name in CORRUPTIONS} == rows


def test_readme_links_the_moved_results():
    readme = (ROOT / 'README.md').read_text()
    for doc in ('docs/RESULTS.md', 'docs/CORRUPTIONS.md', 'docs/CONTRACTS.md'):
        assert doc in readme and (ROOT / doc).is_file()
