"""CallCenterAI routing agent: PII scrubbing, language detection and model routing."""
