# HDF's recipe: the AdamW/cosine schedule of adamw_paper.py with SAM (rho 0.05, non-adaptive);
# the SAM switch for any zoo model at the paper recipe (use it instead of adamw_paper.py).
# For bf16 autocast add dtype='bfloat16' to optim_wrapper.
_base_ = ['./adamw_paper.py']

optim_wrapper = dict(type='SAMOptimWrapper', rho=0.05, adaptive=False)
# the loop runs SAM's two passes for any model (plain Recognizer3D / Recognizer2D included)
train_cfg = dict(type='SAMEpochBasedTrainLoop')
