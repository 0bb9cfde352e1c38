# The full corruption suite: every corruption (appearance, style, temporal, face) at severities 1-5.
description = 'All corruptions, severities 1-5, one seed.'
corruptions = ['noise', 'blur', 'weather', 'digital', 'style', 'temporal', 'face']
severities = [1, 2, 3, 4, 5]
seeds = [0]
