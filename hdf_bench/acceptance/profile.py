"""Sizes of an acceptance run (one H100/H200, or the CPU ``--tiny`` check) and its targets."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Profile:
    """Sizes of one acceptance run.

    Args:
        name: 'gpu' or 'tiny'.
        frames: clip length the models see (the paper recipe: 16).
        size: frame side in pixels (the paper recipe: 112).
        identities: SynthDFER identities (5 at least: folds are identity-disjoint).
        clips_per_identity: SynthDFER clips per identity.
        train_batch: batch of the runner's training runs.
        train_iters: iterations of HDF's training run (loss finite and falling).
        other_iters: iterations of X3D-S's and HDF-without-SAM's runs (they warm up the runner
            path and give the sweep a checkpoint).
        workers: dataloader workers.
        step_batch: batch of the timed training steps.
        step_repeats: timed steps per model and path (interleaved).
        infer_batches: batches of the inference step (the large one first).
        infer_repeats: timed calls per variant at each batch of ``infer_batches``.
        compile: also time the torch.compile variant of the fast path.
        budget_s: wall-clock budget of the whole run (steps are guarded to fit).
    """

    name: str
    frames: int
    size: int
    identities: int
    clips_per_identity: int
    train_batch: int
    train_iters: int
    other_iters: int
    workers: int
    step_batch: int
    step_repeats: int
    infer_batches: tuple[int, ...]
    infer_repeats: tuple[int, ...]
    compile: bool
    budget_s: float

    @property
    def shape(self) -> tuple[int, int, int]:
        """(T, H, W) of the model input."""
        return self.frames, self.size, self.size

    def to_dict(self) -> dict:
        """The sizes as a plain dict (for the JSON record)."""
        return asdict(self)


PROFILES = {
    # one H100/H200: the paper input, batch 64; 7 minutes of steps, so that installing the
    # wheelhouse and starting Python keep the whole command inside 8
    'gpu': Profile('gpu', frames=16, size=112, identities=20, clips_per_identity=6,
                   train_batch=32, train_iters=30, other_iters=6, workers=8, step_batch=64,
                   step_repeats=8, infer_batches=(64, 1), infer_repeats=(20, 15),
                   compile=True, budget_s=420),
    # the same steps on CPU in about a minute (a 2-core machine, idle)
    'tiny': Profile('tiny', frames=4, size=32, identities=5, clips_per_identity=3,
                    train_batch=2, train_iters=8, other_iters=1, workers=0, step_batch=2,
                    step_repeats=2, infer_batches=(4, 1), infer_repeats=(2, 2),
                    compile=False, budget_s=600),
}

#: share of the run's budget each step may use (time a step leaves over goes to later steps)
STEP_SHARES = {'environment': 0.08, 'training': 0.38, 'inference': 0.40, 'sweep': 0.14}
STEPS = tuple(STEP_SHARES)

#: tolerance of each inference variant against eager fp32 (max |diff| / max |eager logits|)
TOLERANCE = {'fp32': {'cpu': 1e-4, 'cuda': 1e-3}, 'bf16': {'cpu': 5e-2, 'cuda': 5e-2}}


@dataclass(frozen=True)
class Target:
    """One performance goal the run is printed against.

    Args:
        key: name in the record.
        text: the goal as a sentence.
        goal: the bound.
        upper: True when the value must be <= goal, False when >= goal.
        unit: unit of value and goal.
    """

    key: str
    text: str
    goal: float
    upper: bool
    unit: str

    def met(self, value: float | None) -> bool | None:
        """Whether ``value`` meets the goal (None when it was not measured)."""
        if value is None:
            return None
        return value <= self.goal if self.upper else value >= self.goal


TARGETS = (
    Target('infer_b64_hdf_fast_vs_x3d_eager', 'HDF inference (fast path) >= 2x eager X3D-S '
           'clips/s at batch 64', 2.0, False, 'x'),
    Target('latency_b1_hdf_fast_ms', 'HDF batch-1 latency (fast path) <= 5 ms', 5.0, True, 'ms'),
    Target('train_step_hdf_no_sam_vs_x3d', 'HDF training step without SAM <= 1.15x X3D-S',
           1.15, True, 'x'),
    Target('train_step_hdf_vs_x3d', 'HDF training step with SAM <= 2.1x X3D-S', 2.1, True, 'x'),
)
