# cpu_short_nosam.py with SAM on (rho 0.05): HDF's short CPU run, and the SAM switch for any
# zoo model (use it instead of cpu_short_nosam.py, e.g. configs/baselines/x3d_s_sam_*.py).
_base_ = ['./cpu_short_nosam.py']

optim_wrapper = dict(type='SAMOptimWrapper', rho=0.05, adaptive=False)
# the loop runs SAM's two passes for any model (plain Recognizer3D / Recognizer2D included)
train_cfg = dict(type='SAMEpochBasedTrainLoop')
