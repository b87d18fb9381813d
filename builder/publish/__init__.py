"""Building: plan, render, sign and write outputs, and the manifest of what was built."""
