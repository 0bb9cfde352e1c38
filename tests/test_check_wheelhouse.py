"""scripts/check_wheelhouse.py: a wheelhouse is complete only when every requirement is met."""
import importlib.util
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('check_wheelhouse',
                                              ROOT / 'scripts' / 'check_wheelhouse.py')
check_wheelhouse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_wheelhouse)


def wheel(folder: Path, name: str, version: str, *requires: str) -> None:
    meta = f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
    meta += ''.join(f'Requires-Dist: {r}\n' for r in requires)
    with zipfile.ZipFile(folder / f'{name}-{version}-py3-none-any.whl', 'w') as archive:
        archive.writestr(f'{name}-{version}.dist-info/METADATA', meta)


def test_complete_set_passes(tmp_path):
    wheel(tmp_path, 'mmengine', '0.10.7', 'addict', 'numpy', 'opencv-python>=3',
          'regex; sys_platform == "win32"', 'tomli; python_version < "3.11"')
    wheel(tmp_path, 'addict', '2.4.0')
    assert check_wheelhouse.check(tmp_path, '3.12') == []
    assert check_wheelhouse.main([str(tmp_path)]) == 0


def test_missing_wrong_and_duplicate_versions_fail(tmp_path):
    wheel(tmp_path, 'albumentations', '2.0.8', 'albucore==0.0.24', 'pydantic>=2.9.2')
    wheel(tmp_path, 'albucore', '0.3.1')
    wheel(tmp_path, 'tomli', '2.0.0')
    wheel(tmp_path, 'tomli', '2.5.0')
    problems = check_wheelhouse.check(tmp_path, '3.12')
    assert any('albucore==0.0.24' in p and '0.3.1' in p for p in problems)
    assert any('pydantic' in p and 'neither' in p for p in problems)
    assert any(p.startswith('tomli: 2 versions') for p in problems)
    assert check_wheelhouse.check(tmp_path, '3.12', allow_missing=('pydantic',)) != problems
    assert check_wheelhouse.main([str(tmp_path)]) == 1
