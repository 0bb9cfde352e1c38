# The full corruption suite: every corruption (appearance, style and temporal) at severities 1-5.
description = 'All corruptions, severities 1-5, one seed.'
corruptions = ['noise', 'blur', 'weather', 'digital', 'style', 'temporal']
severities = [1, 2, 3, 4, 5]
seeds = [0]
