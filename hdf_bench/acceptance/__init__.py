"""The GPU acceptance run: one command that checks and times the CUDA paths on one H100/H200.

Steps (each prints a PASS/FAIL line with its figures; later steps run when one fails):

1. ``environment``: torch / CUDA versions, the GPU, the OpenMMLab stack's imports;
2. ``training``: X3D-S, HDF without SAM and HDF (paper recipe, 16x112x112, bf16, SAM) trained
   briefly through ``Runner.from_cfg`` on a generated SynthDFER (HDF's loss finite and falling),
   then their training steps timed round-robin (runner path and bare loop);
3. ``inference``: X3D-S and HDF at batch 64 and 1, eager fp32 / bf16 and the fast path
   (channels_last_3d, bf16, CUDA graphs, torch.compile), outputs checked against eager;
4. ``sweep``: a few robustness cells on the device into a store, and ``hdf-bench report`` on it.

Output: ``acceptance.json`` and ``acceptance.md`` in the output folder. ``--device cpu --tiny``
runs the same steps on CPU at toy sizes (the test suite does). Entry points:
``python scripts/gpu_acceptance.py``, ``python -m hdf_bench.acceptance``,
``hdf-bench doctor --gpu``.
"""
from hdf_bench.acceptance.run import main, run_acceptance

__all__ = ['main', 'run_acceptance']
