# A lighter CPU variant of hdf_x3d_s_synthdfer_cpu.py: X3D depth factor gamma_d 1.0 instead of
# 2.2 (stage blocks 1-2-5-3 instead of 3-5-11-7). With SAM it costs about what plain X3D-S
# costs without SAM (measured: 1.30 vs 1.28 CPU-s per 8 clips of 8 x 64 x 64), for demos on
# small machines. Not the paper's model: do not report it as HDF.
_base_ = ['./hdf_x3d_s_synthdfer_cpu.py']

model = dict(backbone=dict(gamma_d=1.0))
