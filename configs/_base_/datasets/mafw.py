# MAFW, 5 folds, on DFEW's pipelines and loader settings (16 frames at 112x112).
# With map_to_basic=False (default) labels follow MAFW's 11 classes: the 7 basic ones in
# canonical order, then contempt, anxiety, helplessness, disappointment
# (hdf_bench.data.classes.MAFW_CLASSES); set map_to_basic=True (and num_classes=7) to keep only
# the 7 basic classes.
_base_ = ['./dfew.py']

dataset_type = 'MAFWDataset'
data_root = 'data/MAFW'
fold = 1
map_to_basic = False
classes = ['happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust', 'fear', 'contempt',
           'anxiety', 'helplessness', 'disappointment']
num_classes = 7 if map_to_basic else 11
__reader = dict(_delete_=True, type=dataset_type, data_root=data_root, fold=fold,
              map_to_basic=map_to_basic)

train_dataloader = dict(dataset=dict(__reader, split='train', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(__reader, split='test', pipeline={{_base_.val_pipeline}},
                                   test_mode=True))
test_dataloader = dict(dataset=dict(__reader, split='test', pipeline={{_base_.test_pipeline}},
                                    test_mode=True))

val_evaluator = dict(type='DFERMetric', classes=classes[:num_classes])
test_evaluator = val_evaluator
