# R(2+1)D-18 (ResNet2Plus1d).
# Demo recipe: the CPU demo preset (SynthDFER 'demo', uint8 clip cache), 4 frames x 48 x 48,
# the same schedule and steps as the demo's models (the zoo table at the demo budget).
_base_ = [
    '../_base_/models/r2plus1d18.py', '../_base_/datasets/synthdfer_demo.py',
    '../_base_/schedules/cpu_short_nosam.py', '../_base_/default_runtime.py'
]
