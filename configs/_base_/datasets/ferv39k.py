# FERV39k (7 classes, 22 scenes; data infos carry `scene`, kept in the samples' metainfo), on
# DFEW's pipelines and loader settings (16 frames at 112x112). No folds: one train/test split.
_base_ = ['./dfew.py']

dataset_type = 'FERV39kDataset'
data_root = 'data/FERV39k'
__reader = dict(_delete_=True, type=dataset_type, data_root=data_root)

train_dataloader = dict(dataset=dict(__reader, split='train', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(__reader, split='test', pipeline={{_base_.val_pipeline}},
                                   test_mode=True))
test_dataloader = dict(dataset=dict(__reader, split='test', pipeline={{_base_.test_pipeline}},
                                    test_mode=True))
