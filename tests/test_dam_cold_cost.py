"""scripts/dam_cold_cost.py runs and reports every variant (figures: docs/PERFORMANCE.md)."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    'dam_cold_cost', Path(__file__).parents[1] / 'scripts' / 'dam_cold_cost.py')
dam_cold_cost = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dam_cold_cost)


def test_table_has_every_variant_with_numbers():
    table = dam_cold_cost.measure(repeats=2)
    rows = {line.split(' | ')[0].strip('| '): line.split(' | ')[1:]
            for line in table.splitlines() if line.startswith('| ') and '---' not in line}
    for name in ('identity', 'dam', 'dam twice', 'dam on a copy', '50 calls of 1 op',
                 '50 calls of 25 ops'):
        added, alone, ratio = (float(v.strip(' |')) for v in rows[name])
        assert alone >= 0 and ratio > 0
    assert float(rows['identity'][2].strip(' |')) == 1.0
    assert float(rows['dam'][1].strip(' |')) > float(rows['identity'][1].strip(' |'))
