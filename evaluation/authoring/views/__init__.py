"""The workspace pages, one module per part of a draft: the workspace and sections, questions, rules, test
cases, and release (publish and retire)."""
