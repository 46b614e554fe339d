"""The research and audit CSV of signed assessments."""
