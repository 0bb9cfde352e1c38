# X3D-S + SAM: the SAM-matched baseline of HDF (same model as x3d_s, HDF's SAM step, rho 0.05), so that "DAM/DSM beat X3D-S" is not "SAM beats no SAM".
# SAM is the schedule switch: cpu_short.py instead of cpu_short_nosam.py.
# Demo recipe: the CPU demo preset (SynthDFER 'demo', uint8 clip cache), 4 frames x 48 x 48,
# the same schedule and steps as the demo's models (the zoo table at the demo budget).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]
