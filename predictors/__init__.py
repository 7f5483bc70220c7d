"""KServe model servers for the two ticket classifiers (v2 / Open Inference Protocol)."""
