"""Downstream models trained on real, synthetic or mixed data and scored on the real test split."""
