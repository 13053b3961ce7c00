"""Built-in generators. They register through the ``synthbench.generators`` entry points in
synthbench's own ``pyproject.toml``, the same path a third-party package uses."""
