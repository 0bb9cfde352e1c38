# X3D-S + SAM: the SAM-matched baseline of HDF (same model as x3d_s, HDF's SAM step, rho 0.05),
# so that "DAM/DSM beat X3D-S" is not "SAM beats no SAM". SynthDFER CPU preset: 8 x 64 x 64,
# the short AdamW schedule with SAM (the SAM switch: cpu_short.py instead of cpu_short_nosam.py).
_base_ = [
    '../_base_/models/x3d_s.py', '../_base_/datasets/synthdfer_cpu.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]
