# A small suite for CI and the demo: 3 appearance + 3 temporal corruptions at severities 1, 3, 5.
description = 'Quick check: 3 appearance + 3 temporal corruptions at severities 1, 3, 5.'
corruptions = [
    'gaussian_noise', 'gaussian_blur', 'contrast',
    'frame_drop', 'jumble', 'h264',
]
severities = [1, 3, 5]
seeds = [0]
