"""Data preparation, training, evaluation and registration (the DVC stages)."""
