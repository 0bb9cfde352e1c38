# Paper tables only: HDF against the baselines, LaTeX + CSV, no figures.
_base_ = ['./default.py']
title = 'HDF vs baselines'
sections = ['summary', 'headline', 'corruptions', 'significance', 'imbalance']
formats = ['tex', 'csv', 'md']
figures = False
n_resamples = 5000
