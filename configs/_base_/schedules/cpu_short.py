# cpu_short_nosam.py with SAM still on (rho 0.05): HDF's short CPU run.
_base_ = ['./cpu_short_nosam.py']

optim_wrapper = dict(type='SAMOptimWrapper', rho=0.05, adaptive=False)
