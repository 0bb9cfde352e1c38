# Face shifts: occlusion of face regions, an unstable face crop, head roll, low resolution.
description = ('Face shifts: upper-face, eye, lower-face, patch and moving occlusion, crop '
               'jitter, rotation (constant, drifting), low resolution; severities 1-5.')
corruptions = ['face']
severities = [1, 2, 3, 4, 5]
seeds = [0]
