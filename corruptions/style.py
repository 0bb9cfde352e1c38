# Appearance and style shifts only (frame-wise corruptions).
description = 'Appearance and style shifts: noise, blur, weather, digital, style; severities 1-5.'
corruptions = ['noise', 'blur', 'weather', 'digital', 'style']
severities = [1, 2, 3, 4, 5]
seeds = [0]
