"""The report contract: the model, its lean check, and rendering."""
