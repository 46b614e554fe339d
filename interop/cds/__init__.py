"""CDS Hooks 2.0: discovery, one service per published checklist template, and card feedback."""
