"""Each stack fix in hdf_bench.compat is needed (fails without it) and works (passes with it).

Each case runs in a fresh interpreter, since the fixes patch module-level state.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hdf_bench.compat import _mmaction_root


def run_python(code: str, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if extra_path is not None:
        import os
        env = dict(os.environ, PYTHONPATH=f'{extra_path}{os.pathsep}' + os.environ.get(
            'PYTHONPATH', ''))
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=300)


needs_missing_drn = pytest.mark.skipif(
    (_mmaction_root() / 'models' / 'localizers' / 'drn').is_dir(),
    reason='this mmaction2 install ships the drn localizer: nothing to fix')


@needs_missing_drn
def test_mmaction_models_fail_without_drn_stub():
    result = run_python("""
        import mmaction.utils.dependency as d
        d.WITH_MULTIMODAL = False
        import mmaction.models
    """)  # hdf_bench is not imported: no fix applied
    assert result.returncode != 0
    assert 'mmaction.models.localizers.drn' in result.stderr


@needs_missing_drn
def test_drn_stub_lets_mmaction_models_import_and_build():
    result = run_python("""
        from hdf_bench import compat
        compat.apply()
        import mmaction.models
        from mmaction.registry import MODELS
        from mmaction.utils import register_all_modules
        register_all_modules()
        model = MODELS.build(dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2))
        from mmaction.models.localizers.drn.drn import DRN
        try:
            DRN()
        except ImportError as err:
            print('DRN-RAISES', err)
        print('OK', type(model).__name__)
    """)
    assert result.returncode == 0, result.stderr
    assert 'OK X3D' in result.stdout
    assert 'DRN-RAISES' in result.stdout


CHECKPOINT_CODE = """
    import numpy as np, torch
    from mmengine.logging import HistoryBuffer
    path = {path!r}
    torch.save(dict(meta=dict(step=np.int64(3), buf=HistoryBuffer()),
                    state_dict=dict(w=torch.ones(2))), path)
    {prelude}
    from mmengine.runner.checkpoint import _load_checkpoint
    ckpt = _load_checkpoint(path, map_location='cpu')
    print('LOADED', int(ckpt['meta']['step']), float(ckpt['state_dict']['w'].sum()))
"""


def test_checkpoint_with_pickled_objects_fails_without_loader(tmp_path):
    result = run_python(CHECKPOINT_CODE.format(path=str(tmp_path / 'c.pth'), prelude=''))
    assert result.returncode != 0
    assert 'weights_only' in result.stderr or 'Unpickl' in result.stderr


def test_checkpoint_loader_reads_mmengine_checkpoints(tmp_path):
    prelude = 'from hdf_bench import compat; compat.install_checkpoint_loader()'
    result = run_python(CHECKPOINT_CODE.format(path=str(tmp_path / 'c.pth'), prelude=prelude))
    assert result.returncode == 0, result.stderr
    assert 'LOADED 3 2.0' in result.stdout


def test_checkpoint_loader_names_missing_file(tmp_path):
    from hdf_bench.compat import load_local_checkpoint
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))


@pytest.fixture
def fake_transformers_5(tmp_path: Path) -> Path:
    """A `transformers` 5.x stand-in lacking what mmaction2's VindLU imports."""
    package = tmp_path / 'transformers'
    package.mkdir()
    (package / '__init__.py').write_text("__version__ = '5.0.0'\n")
    dist = tmp_path / 'transformers-5.0.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n')
    return tmp_path


def test_multimodal_import_fails_with_transformers_5(fake_transformers_5):
    # hdf_bench is not imported here (its import applies every fix): stub drn by hand.
    result = run_python("""
        import sys, types
        drn = types.ModuleType('mmaction.models.localizers.drn')
        drn.__path__ = []
        drn.drn = types.ModuleType('mmaction.models.localizers.drn.drn')
        drn.drn.DRN = object
        sys.modules.update({drn.__name__: drn, drn.drn.__name__: drn.drn})
        import mmaction.models
    """, extra_path=fake_transformers_5)
    assert result.returncode != 0
    assert 'transformers' in result.stderr


def test_hdf_bench_imports_with_transformers_5(fake_transformers_5):
    result = run_python("""
        import hdf_bench
        from mmaction.registry import MODELS
        print('OK', MODELS.get('X3D').__name__)
    """, extra_path=fake_transformers_5)
    assert result.returncode == 0, result.stderr
    assert 'OK X3D' in result.stdout


def test_apply_is_idempotent():
    from hdf_bench import compat
    compat.apply()
    compat.apply()


HUE_CODE = """
    import numpy as np
    {prelude}
    from mmaction.datasets.transforms.processing import ColorJitter
    img = np.full((4, 4, 3), (200, 30, 30), np.uint8)
    out = ColorJitter.adjust_hue(img, -0.05)
    print('HUE', out.dtype, out.shape)
"""


def test_color_jitter_negative_hue_fails_without_fix():
    result = run_python(HUE_CODE.format(prelude=''))
    if result.returncode == 0:
        pytest.skip('this numpy/mmaction2 pair does not overflow: nothing to fix')
    assert 'OverflowError' in result.stderr


def test_color_jitter_negative_hue_works_with_fix():
    result = run_python(HUE_CODE.format(prelude='import hdf_bench'))
    assert result.returncode == 0, result.stderr
    assert 'HUE float32 (4, 4, 3)' in result.stdout


def test_hue_fix_matches_mmaction_formula_where_it_did_not_overflow():
    import cv2
    import numpy as np

    from hdf_bench.compat import _adjust_hue
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + int(0.05 * 255)) % 180  # positive offset: fine in uint8
    expected = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    np.testing.assert_array_equal(_adjust_hue(img, 0.05), expected)
