# HDF's recipe: the AdamW/cosine schedule of adamw_paper.py with SAM (rho 0.05, non-adaptive).
# For bf16 autocast add dtype='bfloat16' to optim_wrapper.
_base_ = ['./adamw_paper.py']

optim_wrapper = dict(type='SAMOptimWrapper', rho=0.05, adaptive=False)
