# Ablation: HDF with the temporal DAM branch only;
# on SynthDFER, CPU preset (8 x 64 x 64, short schedule).
_base_ = [
    '../_base_/models/hdf_x3d_s.py', '../_base_/datasets/synthdfer_cpu.py',
    '../_base_/schedules/cpu_short.py', '../_base_/default_runtime.py'
]

model = dict(backbone=dict(dam_cfg=dict(branches='temporal')))
