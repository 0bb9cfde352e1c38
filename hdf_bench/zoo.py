"""The model zoo as data: every model hdf-bench trains and compares, by name.

One :data:`ZOO` tuple of :class:`ZooEntry` (name, family, configs, paper, description), looked
up with :func:`get`; :func:`load_config` and :func:`build_model` turn a name into an mmengine
config or a built (untrained) model. ``hdf-bench zoo`` prints the table.

Each entry's ``config`` is its SynthDFER CPU config (8 frames x 64 x 64, short schedule: what the
demo, CI and robustness sweeps on SynthDFER use); ``paper_config`` is the paper recipe (16 x 112 x
112, 300 epochs) on DFEW fold 1 (other folds: override the dataloaders' ``dataset.fold``);
``demo_config`` is the CPU demo's (SynthDFER 'demo', 4 x 48 x 48; the zoo table's default).
Paths are relative to the repository root; :mod:`hdf_bench.resources` finds them in a checkout
and in an installed wheel alike.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from hdf_bench.resources import shipped_file

#: model families, in display order
FAMILIES = ('hdf', 'baseline', 'ablation')
#: training recipes: the SynthDFER CPU config, the CPU demo's, the paper's (DFEW)
RECIPES = ('cpu', 'demo', 'paper')


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo.

    Args:
        name: short unique name (used on the command line and in the results store).
        family: 'hdf', 'baseline' or 'ablation'.
        config: SynthDFER CPU config, relative to the repository root.
        paper: the work the model comes from (a citation string).
        description: one line on what the model is.
        paper_config: paper-recipe config (DFEW), if there is one.
        demo_config: the CPU demo's config (SynthDFER 'demo', 4 x 48 x 48).
    """

    name: str
    family: str
    config: str
    paper: str
    description: str
    paper_config: str | None = None
    demo_config: str | None = None

    def config_path(self, paper_recipe: bool = False, recipe: str | None = None) -> Path:
        """Absolute path of the config of ``recipe`` (one of :data:`RECIPES`; default ``cpu``,
        or ``paper`` with ``paper_recipe``)."""
        recipe = recipe or ('paper' if paper_recipe else 'cpu')
        if recipe not in RECIPES:
            raise ValueError(f'unknown recipe {recipe!r}; recipes: {", ".join(RECIPES)}')
        rel = {'cpu': self.config, 'demo': self.demo_config, 'paper': self.paper_config}[recipe]
        if rel is None:
            raise ValueError(f'zoo model {self.name!r} has no {recipe}-recipe config')
        return shipped_file(rel)

    def ref(self, paper_recipe: bool = False, recipe: str | None = None):
        """The model as a :class:`hdf_bench.engine.run.ModelRef` (no checkpoint)."""
        from hdf_bench.engine.run import ModelRef
        return ModelRef(self.name, str(self.config_path(paper_recipe, recipe)))

    def to_dict(self) -> dict:
        """The entry as a plain dict (for JSON)."""
        return asdict(self)


HDF_PAPER = 'HDF: Learning from Heterogeneity, DFER via DRO (ACM MM 2025)'
M3DFEL_PAPER = 'M3DFEL: Wang et al., Rethinking the Learning Paradigm for DFER (CVPR 2023)'


def _baseline(name: str, paper: str, description: str) -> ZooEntry:
    return ZooEntry(name, 'baseline', f'configs/baselines/{name}_synthdfer_cpu.py', paper,
                    description, f'configs/baselines/{name}_dfew.py',
                    f'configs/baselines/{name}_synthdfer_demo.py')


def _ablation(name: str, description: str) -> ZooEntry:
    return ZooEntry(name, 'ablation', f'configs/ablations/{name}_synthdfer_cpu.py', HDF_PAPER,
                    description, f'configs/ablations/{name}_dfew.py',
                    f'configs/ablations/{name}_synthdfer_demo.py')


ZOO: tuple[ZooEntry, ...] = (
    ZooEntry('hdf', 'hdf', 'configs/hdf/hdf_x3d_s_synthdfer_cpu.py', HDF_PAPER,
             'X3D-S + DAM after each stage, DSM loss, SAM',
             'configs/hdf/hdf_x3d_s_dfew_fold1.py', 'configs/hdf/hdf_x3d_s_synthdfer_demo.py'),
    _baseline('x3d_s', 'X3D: Feichtenhofer, Expanding Architectures for Efficient Video '
              'Recognition (CVPR 2020)', "X3D-S, HDF's backbone, cross-entropy only"),
    _baseline('x3d_s_sam', 'X3D-S as above, trained with SAM (Foret et al., ICLR 2021)',
              'X3D-S + SAM: the SAM-matched baseline of HDF'),
    _baseline('r3d18', 'R3D: Tran et al., A Closer Look at Spatiotemporal Convolutions '
              '(CVPR 2018)', '3D ResNet-18 (ResNet3d)'),
    _baseline('r2plus1d18', 'R(2+1)D: Tran et al., A Closer Look at Spatiotemporal '
              'Convolutions (CVPR 2018)', 'R(2+1)D-18 (ResNet2Plus1d)'),
    _baseline('c3d', 'C3D: Tran et al., Learning Spatiotemporal Features with 3D CNNs '
              '(ICCV 2015)', 'C3D with BatchNorm (FlexC3D)'),
    _baseline('tsm_r18', 'TSM: Lin et al., Temporal Shift Module (ICCV 2019)',
              'TSM on a 2D ResNet-18 (ResNetTSM)'),
    _baseline('static_r18', 'ResNet: He et al., Deep Residual Learning (CVPR 2016)',
              'static frames: 2D ResNet-18 per frame, scores averaged'),
    _baseline('m3dfel', M3DFEL_PAPER,
              'M3DFEL re-implemented: 4 instances x R3D-18, BiLSTM, DMIN attention'),
    _ablation('hdf_no_sam', 'HDF trained without SAM (plain AdamW step)'),
    _ablation('x3d_dam_ce', 'X3D-S + DAM, cross-entropy only (no DSM)'),
    _ablation('x3d_dsm', 'X3D-S with the DSM loss, no DAM'),
    _ablation('dam_temporal', 'HDF with the temporal DAM branch only'),
    _ablation('dam_frequency', 'HDF with the frequency DAM branch only'),
)


def list_models(family: str | None = None) -> list[str]:
    """Names of the zoo models, in table order (only those of ``family`` if given)."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f'unknown family {family!r}; families: {", ".join(FAMILIES)}')
    return [e.name for e in ZOO if family is None or e.family == family]


def get(name: str) -> ZooEntry:
    """The zoo entry called ``name``; ValueError listing the valid names otherwise."""
    for entry in ZOO:
        if entry.name == name:
            return entry
    raise ValueError(f'unknown zoo model {name!r}; zoo models: {", ".join(list_models())}')


def load_config(name: str, paper_recipe: bool = False, options: dict | None = None,
                recipe: str | None = None):
    """The mmengine ``Config`` of a zoo model.

    Args:
        name: zoo name.
        paper_recipe: the paper-recipe config instead of the SynthDFER CPU one.
        options: ``cfg.merge_from_dict`` overrides (e.g. ``{'train_cfg.max_epochs': 1}``).
        recipe: one of :data:`RECIPES` (overrides ``paper_recipe``).
    """
    from hdf_bench.engine import cfg as cfgs

    return cfgs.with_options(cfgs.load(get(name).config_path(paper_recipe, recipe), name),
                             options)


def build_model(name: str, paper_recipe: bool = False, init_weights: bool = True,
                recipe: str | None = None):
    """A zoo model built from its config (randomly initialised, not trained).

    Args:
        name: zoo name.
        paper_recipe: build from the paper-recipe config (16 x 112 x 112 input).
        init_weights: run the model's ``init_weights`` (as the runner does).
        recipe: one of :data:`RECIPES` (overrides ``paper_recipe``).
    """
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    import hdf_bench  # noqa: F401  (registers the modules)

    cfg = load_config(name, paper_recipe, recipe=recipe)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    if init_weights:
        model.init_weights()
    return model
