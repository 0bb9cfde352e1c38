# Temporal corruptions only (frame drops, frame rate, order, temporal blur, jitter, H.264).
description = 'Temporal corruptions, severities 1-5.'
corruptions = ['temporal']
severities = [1, 2, 3, 4, 5]
seeds = [0]
