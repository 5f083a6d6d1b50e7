"""Forms of the indicator pages. Each section belongs to the pages named in its heading."""
