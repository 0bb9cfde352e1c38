# What every zoo model shares: clips arrive as NCTHW uint8 and are normalised with one mean / std
# for all channels (the pixel statistics mmaction2 uses for X3D / R3D from scratch).
model = dict(
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))
