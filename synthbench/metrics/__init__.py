"""What a run measures: utility (``utility``), fidelity of images (``image_fidelity``) and tables
(``table_fidelity``), empirical privacy (``privacy``) and fairness (``fairness``). Pure functions of data."""
