"""How hard is SynthDFER? Train a tiny 3D CNN on 16 frames and on 1 frame; print WAR/UAR.

The two models are the same network (3D convs with temporal padding); one sees 16
uniformly sampled frames, the other one frame (a random one of the 16 in training, the
centre one in testing). Both train for a fixed number of epochs (deterministic on CPU with
one thread) on fold 1 (identity-disjoint) and are scored on its test split. Generates the
default SynthDFER first if ``--root`` holds none. Frames are resized to ``--input-size``.

Usage::

    python scripts/synth_difficulty.py --root data/synthdfer [--epochs-16 40 --epochs-1 40]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import hdf_bench  # noqa: F401  (registers the readers)
from hdf_bench.data.classes import CLASSES
from hdf_bench.data.dfew import DFEWDataset
from hdf_bench.data.synth import MANIFEST, SynthConfig, generate_synthdfer
from hdf_bench.evaluation.dfer_metric import dfer_scores


def load_split(root: str, fold: int, split: str, size: int, frames: int) -> tuple:
    """(uint8 tensor N x 3 x T x size x size, labels) through the mmaction pipeline."""
    pipeline = Compose([
        dict(type='SegmentCentreSample', clip_len=frames),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(size, size), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', meta_keys=('clip_id',)),
    ])
    dataset = DFEWDataset(root, pipeline=[], fold=fold, split=split, test_mode=True)
    xs, ys = [], []
    for i in range(len(dataset)):
        out = pipeline(dataset.get_data_info(i))
        xs.append(out['inputs'][0].to(torch.uint8))
        ys.append(int(out['data_samples'].gt_label))
    return torch.stack(xs), torch.tensor(ys)


class TinyConv3d(nn.Module):
    """Four 3x3x3 conv blocks, global average pooling, linear; works for any T >= 1."""

    def __init__(self, num_classes: int = len(CLASSES), width: int = 16) -> None:
        super().__init__()
        chans = [3, width, 2 * width, 4 * width, 4 * width]
        strides = [(2, 2, 2), (1, 2, 2), (2, 2, 2), (1, 2, 2)]
        layers = []
        for cin, cout, stride in zip(chans[:-1], chans[1:], strides, strict=True):
            layers += [nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False),
                       nn.BatchNorm3d(cout), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(chans[-1], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3, 4)))


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flip of the whole batch."""
    return x.flip(-1) if torch.rand(1, generator=gen).item() < 0.5 else x


def to_float(x: torch.Tensor) -> torch.Tensor:
    return x.float() / 127.5 - 1.0


def train_eval(name: str, train: tuple, test: tuple, frames: int, epochs: int,
               seed: int) -> dict:
    """Train for ``epochs`` epochs; ``frames`` is 16 (all) or 1 (one frame)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_train, y_train = train
    x_test, y_test = test
    counts = torch.bincount(y_train, minlength=len(CLASSES)).float().clamp(min=1)
    weight = (counts.sum() / counts).sqrt()
    weight = weight / weight.mean()
    model = TinyConv3d()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    start, steps = time.perf_counter(), 0
    centre = x_train.shape[2] // 2
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=epochs * ((len(y_train) + 15) // 16))
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(y_train), generator=gen).split(16):
            x = x_train[idx]
            if frames == 1:
                t = torch.randint(x.shape[2], (len(idx),), generator=gen)
                x = x[torch.arange(len(idx)), :, t].unsqueeze(2)
            loss = F.cross_entropy(model(augment(to_float(x), gen)), y_train[idx], weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            steps += 1
    model.eval()
    preds = []
    with torch.no_grad():
        for chunk in torch.arange(len(y_test)).split(64):
            x = x_test[chunk]
            if frames == 1:
                x = x[:, :, centre:centre + 1]
            preds.append(model(to_float(x)).argmax(1))
    scores = dfer_scores(y_test.tolist(), torch.cat(preds).tolist())
    seconds = time.perf_counter() - start
    recall = ' '.join(f'{c[:3]} {r:.2f}'
                      for c, r in zip(CLASSES, scores['per_class_recall'], strict=True))
    print(f'{name:>10}: WAR {scores["war"]:.3f}  UAR {scores["uar"]:.3f}  '
          f'({steps} steps, {epochs} epochs, {seconds:.0f} s)  recall {recall}', flush=True)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='data/synthdfer')
    parser.add_argument('--fold', type=int, default=1)
    parser.add_argument('--input-size', type=int, default=64,
                        help='frames are resized to this side for the tiny CNN')
    parser.add_argument('--epochs-16', type=int, default=40, help='epochs, 16-frame model')
    parser.add_argument('--epochs-1', type=int, default=40, help='epochs, 1-frame model')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--workers', type=int, default=1, help='processes for generation')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    if not os.path.isfile(os.path.join(args.root, MANIFEST)):
        start = time.perf_counter()
        m = generate_synthdfer(args.root, SynthConfig(), workers=args.workers)
        print(f'generated {m["num_clips"]} clips / {m["num_frames"]} frames in '
              f'{time.perf_counter() - start:.0f} s -> {args.root}')
    start = time.perf_counter()
    train = load_split(args.root, args.fold, 'train', args.input_size, 16)
    test = load_split(args.root, args.fold, 'test', args.input_size, 16)
    print(f'loaded fold {args.fold}: {len(train[1])} train / {len(test[1])} test clips, '
          f'{args.input_size}x{args.input_size} in {time.perf_counter() - start:.0f} s; '
          f'chance WAR ~{np.bincount(test[1]).max() / len(test[1]):.3f} (majority), UAR 0.143')
    train_eval('16 frames', train, test, 16, args.epochs_16, args.seed)
    train_eval('1 frame', train, test, 1, args.epochs_1, args.seed)


if __name__ == '__main__':
    main()
