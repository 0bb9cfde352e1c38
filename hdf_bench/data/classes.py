"""The canonical 7-class order (DFEW's, 0-based) and name normalisation."""
from __future__ import annotations

CLASSES: tuple[str, ...] = ('happy', 'sad', 'neutral', 'angry', 'surprise', 'disgust', 'fear')
NUM_CLASSES = len(CLASSES)

# MAFW's 11 classes: the 7 basic ones first, in canonical order (so indices 0-6 agree
# with CLASSES), then MAFW's 4 non-basic classes.
MAFW_EXTRA_CLASSES: tuple[str, ...] = ('contempt', 'anxiety', 'helplessness', 'disappointment')
MAFW_CLASSES: tuple[str, ...] = CLASSES + MAFW_EXTRA_CLASSES

# Spellings used by FERV39k ("Happy", "Sad", ...) and MAFW ("happiness", "anger", ...).
_ALIASES = {
    'happiness': 'happy', 'sadness': 'sad', 'anger': 'angry', 'surprised': 'surprise',
    'disgusted': 'disgust', 'fearful': 'fear', 'angery': 'angry',
}


def class_index(name: str, classes: tuple[str, ...] = CLASSES) -> int:
    """Return the index of an emotion name in ``classes`` (case-insensitive, aliases allowed).

    Args:
        name: the label as written by a data set ("Happy", "happiness", "anger", ...).
        classes: the class list to index into (default: the 7 basic emotions).

    Raises:
        ValueError: if the name is not in ``classes``.
    """
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return classes.index(key)
    except ValueError:
        raise ValueError(
            f'unknown emotion label {name!r}; expected one of {list(classes)}') from None
