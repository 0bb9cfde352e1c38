"""`hdf-bench study`: the plan, job states, the launchers (local, slurm through stub commands) and
the study tables; end-to-end runs are in test_study_run.py."""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

from hdf_bench.cli.main import main
from hdf_bench.study.launchers import LocalLauncher, SlurmLauncher
from hdf_bench.study.plan import Job, StudySpec, fold_options, make_plan
from hdf_bench.study.state import StateDir
from hdf_bench.study.summary import (
    fold_table,
    format_markdown,
    scene_table,
    war_uar,
    without_scenes,
)

ROOT = Path(__file__).resolve().parents[1]


def study(*args: str) -> list[str]:
    return ['study', *args]


# ---- plan ----------------------------------------------------------------------------------
def test_dry_run_on_the_dfew_layout_prints_every_job_and_writes_nothing(make_dfew, tmp_path,
                                                                         capsys):
    root, run = make_dfew(), tmp_path / 'run'
    code = main(study('--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(run),
                      '--folds', '1', '--seeds', '0', '1', '--suite', 'quick', '--rho', '10',
                      '--dry-run'))
    out = capsys.readouterr().out
    assert code == 0
    assert 'jobs: 4 train, 4 test, 4 sweep, 4 imbalance, 2 report' in out
    assert not run.exists()
    lines = out.splitlines()
    train = lines[lines.index(next(x for x in lines if x.startswith('train-hdf-f1-s1'))) + 1]
    assert '-m hdf_bench.study.train' in train and f'{run}/configs/hdf.py' in train
    for loader in ('train', 'val', 'test'):
        assert f'{loader}_dataloader.dataset.fold=1' in train
    assert 'randomness.seed=1' in train
    assert 'sweep-x3d_s-f1-s0  [' in out and 'after: test-x3d_s-f1-s0' in out
    assert f'--store {run}/results/seed1' in out
    # paper recipe: x3d_s has measured clips/s, hdf is scaled from it; 300 epochs of 3 clips
    hours = {x.split()[0]: x for x in lines if x.startswith('train-')}
    assert '? GPU h' not in hours['train-x3d_s-f1-s0'] and '? GPU h' not in hours['train-hdf-f1-s0']
    assert 'estimated GPU hours' in out


def test_dry_run_names_unreadable_splits_and_the_torchrun_and_slurm_commands(make_dfew,
                                                                             tmp_path, capsys):
    root = make_dfew()  # fold 1 only: folds 2-5 have no split files
    main(study('--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(tmp_path),
               '--launcher', 'torchrun', '--gpus', '2', '--dry-run'))
    out = capsys.readouterr().out
    assert 'split files under' in out and 'train-hdf-f5-s0  [? GPU h]' in out
    torchrun = '-m torch.distributed.run --standalone --nproc_per_node=2 -m hdf_bench.study.train'
    assert torchrun in out
    assert '--launcher pytorch' in out
    main(study('--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(tmp_path),
               '--folds', '1', '--launcher', 'slurm', '--dry-run'))
    out = capsys.readouterr().out
    assert 'srun ' in out and '--launcher slurm' in out


@pytest.mark.parametrize('fold', ['2', '5'])
def test_fold_is_an_override_of_the_fold1_config(fold):
    from mmengine.config import Config

    from hdf_bench.engine.cfg import reader_cfg
    cfg = Config.fromfile(str(ROOT / 'configs/hdf/hdf_x3d_s_dfew_fold1.py'))
    options = fold_options(cfg, fold)
    assert len(options) == 3
    cfg.merge_from_dict(dict(o.split('=') for o in options))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert str(reader_cfg(cfg, loader)['fold']) == fold


def test_ferv39k_leave_scenes_out_writes_the_list_and_points_training_at_it(make_ferv39k,
                                                                            tmp_path):
    root = make_ferv39k()
    spec = StudySpec('ferv39k', str(root), str(tmp_path / 'run'), models=('x3d_s',),
                     leave_scenes_out=('Daily',))
    plan = make_plan(spec)
    assert spec.fold_names == ['all'] and [j.id for j in plan.jobs][:2] == [
        'train-x3d_s-all-s0', 'test-x3d_s-all-s0']
    assert '--fold' not in plan.job('test-x3d_s-all-s0').command
    plan.materialize()
    split = tmp_path / 'run' / 'splits' / 'ferv39k_train_without_Daily.csv'
    assert split.read_text() == 'Action/Sad/0010 Sad\n'
    from mmengine.config import Config
    cfg = Config.fromfile(str(spec.config_path('x3d_s')))
    assert cfg.train_dataloader.dataset.ann_file == str(split)
    assert cfg.train_dataloader.dataset.type == 'FERV39kDataset'
    assert 'ann_file' not in cfg.test_dataloader.dataset and cfg.dataset_name == 'ferv39k'
    with pytest.raises(ValueError, match='no such scene.*its scenes: Action, Daily'):
        without_scenes(root / '4_setups' / 'All_scenes' / 'train_All.csv', ['Street'])


def test_mafw_study_reads_the_seven_basic_classes_and_counts_them(make_mafw, tmp_path):
    from mmengine.config import Config
    spec = StudySpec('mafw', str(make_mafw()), str(tmp_path / 'run'), models=('hdf',),
                     folds=(1,))
    plan = make_plan(spec)
    assert plan.notes == []  # split files read: 2 basic training clips, 1 test clip
    plan.materialize()
    cfg = Config.fromfile(str(spec.config_path('hdf')))
    reader = cfg.test_dataloader.dataset
    assert (reader.type, reader.map_to_basic, reader.split) == ('MAFWDataset', True, 'test')
    assert 'test_dataloader.dataset.fold=1' in plan.job('train-hdf-f1-s0').command


def test_materialize_names_configs_that_changed_since_the_last_run(make_dfew, tmp_path):
    root, run = str(make_dfew()), str(tmp_path / 'run')
    spec = StudySpec('dfew', root, run, models=('x3d_s',), folds=(1,), recipe='cpu', epochs=1)
    assert make_plan(spec).materialize() == []
    assert make_plan(spec).materialize() == []
    longer = StudySpec('dfew', root, run, models=('x3d_s',), folds=(1,), recipe='cpu', epochs=2)
    assert make_plan(longer).materialize() == [str(spec.config_path('x3d_s'))]


def test_spec_errors_name_the_option(tmp_path):
    with pytest.raises(ValueError, match='--folds'):
        StudySpec('ferv39k', str(tmp_path), str(tmp_path), folds=(1,))
    with pytest.raises(ValueError, match='--leave-scenes-out needs --dataset ferv39k'):
        StudySpec('dfew', str(tmp_path), str(tmp_path), leave_scenes_out=('Action',))
    with pytest.raises(ValueError, match='unknown zoo model'):
        StudySpec('dfew', str(tmp_path), str(tmp_path), models=('nope',))
    with pytest.raises(ValueError, match='folds 1..5'):
        StudySpec('dfew', str(tmp_path), str(tmp_path), folds=(6,))


# ---- local launcher: states, failures, retries ---------------------------------------------
def _job(job_id: str, code: str, deps=(), outputs=()) -> Job:
    return Job(job_id, 'test', (sys.executable, '-c', code), tuple(deps), outputs=tuple(outputs))


def test_local_launcher_records_states_skips_dependents_of_a_failure_and_retries(tmp_path):
    flag, out = tmp_path / 'ok', tmp_path / 'made'
    jobs = [_job('a', f'open({str(out)!r}, "w").write("x")', outputs=[out]),
            _job('b', f'import os, sys; sys.exit(0 if os.path.exists({str(flag)!r}) else 3)',
                 deps=['a']),
            _job('c', 'print("after b")', deps=['b'])]
    states, lines = StateDir(tmp_path / 'run'), []
    LocalLauncher(lines.append).run(jobs, states)
    assert [states.get(j).status for j in 'abc'] == ['done', 'failed', 'pending']
    assert states.get('b').returncode == 3 and 'exit code 3' in states.get('b').reason
    assert any(line.startswith('c: waits for b') for line in lines)
    assert 'attempt 1' in states.log_path('b').read_text()
    mtime = out.stat().st_mtime_ns
    flag.touch()
    LocalLauncher(lines.append).run(jobs, states)  # the next run retries b, then runs c
    assert [states.get(j).status for j in 'abc'] == ['done', 'done', 'done']
    assert states.get('b').attempts == 2 and out.stat().st_mtime_ns == mtime  # a not rerun
    assert 'after b' in states.log_path('c').read_text()


def test_an_interrupted_job_runs_again_and_a_done_job_without_outputs_too(tmp_path):
    out = tmp_path / 'made'
    job = _job('a', f'open({str(out)!r}, "w").write("x")', outputs=[out])
    states = StateDir(tmp_path / 'run')
    import socket
    dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    states.put(states.get('a'), status='running', pid=dead, host=socket.gethostname())
    assert states.get('a').interrupted()
    LocalLauncher(lambda _: None).run([job], states)
    assert states.get('a').status == 'done' and states.get('a').attempts == 1
    out.unlink()
    LocalLauncher(lambda _: None).run([job], states)
    assert out.is_file() and states.get('a').attempts == 2


# ---- slurm launcher against stub commands --------------------------------------------------
STUB_SBATCH = """#!/bin/bash
# records its arguments and the submitted script; prints a new job id (--parsable)
dir="$(dirname "$0")"
n=$(( $(cat "$dir/next_id" 2>/dev/null || echo 100) + 1 ))
echo $n > "$dir/next_id"
script="${@: -1}"
cp "$script" "$dir/submitted_$n.sbatch"
echo "$n $*" >> "$dir/sbatch_calls"
echo "$n;cluster"
"""
STUB_SQUEUE = """#!/bin/bash
cat "$(dirname "$0")/queue" 2>/dev/null || true
"""
STUB_SACCT = """#!/bin/bash
# sacct -n -P -X -o JobID,State -j ids: lines of the file `accounting`
cat "$(dirname "$0")/accounting" 2>/dev/null || true
"""


@pytest.fixture
def slurm_bin(tmp_path, monkeypatch) -> Path:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('sbatch', STUB_SBATCH), ('squeue', STUB_SQUEUE), ('sacct', STUB_SACCT)):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')
    return bin_dir


def _calls(bin_dir: Path) -> dict[str, str]:
    lines = (bin_dir / 'sbatch_calls').read_text().splitlines()
    return {line.split()[-1].rsplit('/', 1)[-1][:-len('.sbatch')]: line for line in lines}


def test_slurm_launcher_submits_scripts_with_dependencies_and_retries_failures(
        make_dfew, tmp_path, slurm_bin, capsys):
    root, run = make_dfew(), tmp_path / 'run'
    args = study('--dataset', 'dfew', '--data-root', str(root), '--run-dir', str(run),
                 '--folds', '1', '--launcher', 'slurm', '--partition', 'gpu', '--gpus', '4',
                 '--cpus-per-task', '6', '--time', '1-00:00:00', '--no-wait')
    assert main(args) == 0
    calls = _calls(slurm_bin)
    assert sorted(calls) == ['test-hdf-f1-s0', 'test-x3d_s-f1-s0', 'train-hdf-f1-s0',
                             'train-x3d_s-f1-s0']
    ids = {name: line.split()[0] for name, line in calls.items()}
    assert '--dependency' not in calls['train-hdf-f1-s0']
    assert f'--dependency=afterok:{ids["train-hdf-f1-s0"]}' in calls['test-hdf-f1-s0']
    script = (slurm_bin / f'submitted_{ids["train-hdf-f1-s0"]}.sbatch').read_text()
    for line in ('#SBATCH --partition=gpu', '#SBATCH --gres=gpu:4',
                 '#SBATCH --ntasks-per-node=4', '#SBATCH --cpus-per-task=6',
                 '#SBATCH --time=1-00:00:00', f'#SBATCH --output={run}/logs/train-hdf-f1-s0.log',
                 'export MASTER_PORT='):
        assert line in script
    srun = next(x for x in script.splitlines() if x.startswith('srun '))
    assert '-m hdf_bench.study.train' in srun and srun.endswith('--launcher slurm')
    assert 'train_dataloader.dataset.fold=1' in srun
    assert f'--work-dir {run}/train/hdf/fold1/seed0' in srun
    assert f'> {run}/state/train-hdf-f1-s0.rc' in script
    test_script = (slurm_bin / f'submitted_{ids["test-hdf-f1-s0"]}.sbatch').read_text()
    assert '#SBATCH --gres=gpu:1' in test_script and '--device cuda' in test_script
    assert 'srun --ntasks=1 ' in test_script and ' robustness ' in test_script
    state = json.loads((run / 'state' / 'train-hdf-f1-s0.json').read_text())
    assert state['status'] == 'submitted' and state['slurm_id'] == ids['train-hdf-f1-s0']
    capsys.readouterr()

    # hdf trained (exit code file + checkpoint), x3d_s failed, its test was cancelled,
    # hdf's test is running
    (run / 'state' / 'train-hdf-f1-s0.rc').write_text('0\n')
    (run / 'train' / 'hdf' / 'fold1' / 'seed0').mkdir(parents=True)
    (run / 'train' / 'hdf' / 'fold1' / 'seed0' / 'epoch_300.pth').write_bytes(b'')
    (slurm_bin / 'queue').write_text(f'{ids["test-hdf-f1-s0"]} RUNNING\n')
    (slurm_bin / 'accounting').write_text(f'{ids["train-x3d_s-f1-s0"]}|FAILED\n'
                                          f'{ids["test-x3d_s-f1-s0"]}|CANCELLED by 0\n')
    assert main(args) == 0
    out = capsys.readouterr().out
    assert (f'train-x3d_s-f1-s0: FAILED (slurm state FAILED); log '
            f'{run}/logs/train-x3d_s-f1-s0.log') in out
    assert 'test-x3d_s-f1-s0: FAILED (slurm state CANCELLED)' in out
    again = _calls(slurm_bin)
    assert len((slurm_bin / 'sbatch_calls').read_text().splitlines()) == 6  # 2 resubmitted
    new_train = again['train-x3d_s-f1-s0'].split()[0]
    assert new_train != ids['train-x3d_s-f1-s0']
    assert f'--dependency=afterok:{new_train}' in again['test-x3d_s-f1-s0']
    states = StateDir(run)
    assert states.get('train-hdf-f1-s0').status == 'done'
    assert states.get('test-hdf-f1-s0').status == 'running'
    assert states.get('train-x3d_s-f1-s0').attempts == 2


def test_slurm_job_that_left_the_queue_with_a_nonzero_exit_code_fails(tmp_path, slurm_bin):
    states = StateDir(tmp_path)
    job = _job('j', 'pass')
    launcher = SlurmLauncher(wait=False, echo=lambda _: None)
    launcher.run([job], states)
    assert states.get('j').status == 'submitted'
    (tmp_path / 'state' / 'j.rc').write_text('7\n')
    launcher.refresh([job], states)
    assert states.get('j').status == 'failed' and states.get('j').returncode == 7


# ---- tables --------------------------------------------------------------------------------
def _cell(model, fold, seed, war, uar, dataset='dfew', pred=None):
    return dict(key=dict(model=model, dataset=dataset, fold=fold, axis='clean',
                         condition='clean', severity=0, seed=0),
                metrics=dict(war=war, uar=uar), predictions=pred or {}, train_seed=seed)


def test_fold_table_is_the_mean_and_sample_std_over_folds_of_seed_means():
    cells = [_cell('hdf', '1', 0, 0.5, 0.4), _cell('hdf', '1', 1, 0.7, 0.6),
             _cell('hdf', '2', 0, 0.2, 0.1), _cell('hdf', '2', 1, 0.2, 0.3),
             _cell('x3d_s', '1', 0, 0.3, 0.3)]
    table = fold_table(cells, ['x3d_s', 'hdf'])
    assert list(table['model']) == ['x3d_s', 'hdf']
    hdf = table.set_index('model').loc['hdf']
    assert hdf['folds'] == 2 and hdf['seeds'] == 2
    assert hdf['war'] == pytest.approx(np.mean([0.6, 0.2]))
    assert hdf['war_std'] == pytest.approx(np.std([0.6, 0.2], ddof=1))
    assert hdf['uar'] == pytest.approx(0.35) and hdf['fold_2_uar'] == pytest.approx(0.2)
    text = format_markdown(table, scene_table(cells), 'Study')
    assert '| hdf | dfew | 2 | 40.0 ± 28.3 | 35.0 ± 21.2 | 60.0 / 50.0 | 20.0 / 20.0 |' in text
    assert '| x3d_s | dfew | 1 | 30.0 | 30.0 | 30.0 / 30.0 | - |' in text


def test_scene_table_scores_each_scene_from_the_predictions():
    pred = dict(sample_ids=['Action/Sad/1', 'Action/Happy/2', 'Action/Happy/3', 'Daily/Sad/4'],
                labels=[1, 0, 0, 1], preds=[1, 0, 1, 0])
    cells = [_cell('hdf', 'all', 0, 0.5, 0.5, 'ferv39k', pred)]
    table = scene_table(cells, held_out=['Daily']).set_index('scene')
    assert table.loc['Action', 'clips'] == 3
    assert table.loc['Action', 'war'] == pytest.approx(2 / 3)
    assert table.loc['Action', 'uar'] == pytest.approx((1.0 + 0.5) / 2)
    assert table.loc['Daily', 'war'] == 0 and table.loc['Daily', 'held_out']
    assert war_uar([0, 0, 1], [0, 1, 1]) == pytest.approx((2 / 3, 0.75))
    text = format_markdown(fold_table(cells), scene_table(cells, ['Daily']), 'Study')
    assert '| Daily* | 1 | 0.0 / 0.0 |' in text
