# SynthDFER (procedural, DFEW layout; `hdf-bench synth --out data/synthdfer`), paper recipe:
# the DFEW pipelines (16 frames at 112x112) and reader, another data root.
# To change the fold in a leaf config override the dataloaders, e.g.
#   train_dataloader = dict(dataset=dict(fold=2)); val_dataloader = dict(dataset=dict(fold=2))
_base_ = ['./dfew.py']

data_root = 'data/synthdfer'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
